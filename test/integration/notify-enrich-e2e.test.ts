import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filteredKey } from "../../src/notify/notify-filter.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { sleep, waitFor } from "../helpers/wait.js";

const SLACK_TOKEN = "xoxb-notify-test";
const AK = "LTAI-e2e";
const SECRET = "e2e-secret-987654321";
const NODE = 700001234003;
const INSTANCE = 523536569736;
/** The enrichment budget: roomy enough that a loaded machine gets every name in the first test. */
const BUDGET_MS = 3_000;
/** The slow API answers well after the budget (and before dataworks.timeout, 10 s). */
const SLOW_MS = 8_000;

/** POST → filter → route → enrich (real SDK → fake DataWorks) → template → Slack fake. */
describe("notifications and enrichment end to end (startTestBot, Slack fake, DataWorks fake)", () => {
  let slack: FakeSlack;
  let dw: FakeDataWorks;
  let bot: TestBot;
  const inst = (status: number, taskId = INSTANCE): Record<string, unknown> & { data: Record<string, unknown> } => {
    const e = freshEvent("instance-status-changes");
    return { ...e, data: { ...(e.data as Record<string, unknown>), status, taskId } };
  };
  const messageFor = (id: unknown) => slack.messages.find((m) => JSON.stringify(m.blocks).includes(String(id)));

  beforeAll(async () => {
    slack = new FakeSlack({ token: SLACK_TOKEN, channels: ["C0OPS"] });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([slack.start(), dw.start()]);
    dw.nodes.set(NODE, {
      NodeId: NODE,
      NodeName: "ods_order_detail_di",
      OwnerId: "1933790000000001",
      ProjectId: 91234,
    });
    dw.projects.set(91234, { ProjectId: 91234, ProjectName: "sales_dw", ProjectIdentifier: "sales_dw" });
    dw.instances.set(INSTANCE, {
      InstanceId: INSTANCE,
      NodeId: NODE,
      NodeName: "ods_order_detail_di",
      CycTime: 1750212600000,
      Bizdate: 1750089600000,
      Status: "FAILURE",
      log: "INFO a\nINFO b\nFAILED: ODPS-0130071 column order_amt cannot be resolved\nINFO end",
    });
    // What the failure holds up (ListDownstreamTaskInstances, GetTaskInstance, GetBaseline).
    dw.impact.taskInstances.set(INSTANCE, {
      Id: INSTANCE,
      TaskId: NODE,
      TaskName: "ods_order_detail_di",
      Status: "Failure",
      BaselineId: 8801,
    });
    dw.impact.taskInstances.set(600_001, { Id: 600_001, TaskId: 1, TaskName: "dwd_order_di", Status: "NotRun" });
    dw.impact.downstream.set(INSTANCE, [600_001]);
    dw.impact.baselines.set(8801, { BaselineId: 8801, BaselineName: "morning_report", Priority: 8, ProjectId: 91234 });
    bot = await startTestBot({
      slack: { token: SLACK_TOKEN, apiUrl: slack.apiUrl },
      dataworks: { endpoint: dw.endpoint, protocol: "http", accessKeyId: AK, accessKeySecret: SECRET },
      enrich: { timeout: BUDGET_MS, userNames: { "1933790000000001": "Alice" } },
      destinations: { ops: { platform: "slack", channel: "C0OPS" } },
      routes: [{ name: "all", destinations: ["ops"] }],
    });
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([slack?.stop(), dw?.stop()]);
  });

  it("filters running/success noise, sends the failure with names and error lines, then the recovery", async () => {
    const running = inst(4);
    await bot.post(running);
    await waitFor(() => bot.runtime.recent.get(String(running.id)), "the running event in recent events");
    await sleep(300);
    expect(messageFor(running.id)).toBeUndefined();

    const failed = inst(5);
    await bot.post(failed);
    const msg = await waitFor(() => messageFor(failed.id), "the failure message");
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain("ods_order_detail_di");
    expect(text).toContain("sales_dw");
    expect(text).toContain("Alice");
    expect(text).toContain("2025-06-17");
    expect(text).toContain("ODPS-0130071");
    expect(text).toContain("1 downstream instance waits on it: dwd_order_di");
    expect(text).toContain("morning_report (8801) · priority 8");
    expect(text).not.toContain("Some names are unavailable");

    // The same instance rerun 10 minutes later, succeeding 16m 40s after the failure.
    const recovered = inst(6);
    Object.assign(recovered.data, { beginRunningTime: 1750214100000, finishTime: 1750214530000 });
    await bot.post(recovered);
    await waitFor(() => msg.updates === 1, "the failure message updated by its recovery");
    // The update keeps what failed (when, the error lines) and adds the recovery: when, after how long, how.
    const updated = JSON.stringify(msg.blocks);
    expect(updated).toContain("Recovered: ods_order_detail_di");
    expect(updated).toContain("ODPS-0130071");
    expect(updated).toContain("2025-06-18 10:25:30");
    expect(updated).toContain(
      "2025-06-18 10:42:10 (UTC+08:00), 16m 40s after the failure: the same instance was rerun",
    );
    expect(messageFor(recovered.id)).toBe(msg);
    const again = inst(6);
    await bot.post(again);
    await waitFor(() => bot.runtime.recent.get(String(again.id)), "the second success in recent events");
    await sleep(300);
    expect(messageFor(again.id)).toBeUndefined();
    // The filtered counter is incremented after the event is recorded.
    await waitFor(
      async () => (await bot.runtime.redis.hget(filteredKey(bot.prefix), "instance-status-changes")) === "2",
      "two filtered instance events counted",
    );
  });

  it("extension point events always go out", async () => {
    const ev = freshEvent("commit-file");
    await bot.post(ev);
    await waitFor(() => messageFor(ev.id), "the commit-file message");
  });

  it("a slow DataWorks API does not hold the message: it goes out on time with ids and a note", async () => {
    for (const action of ["GetNode", "GetProject", "GetInstance", "GetInstanceLog"])
      dw.script.push({ action, answer: { delayMs: SLOW_MS } });
    const failed = inst(5, 923536569736);
    dw.instances.set(923536569736, { ...dw.instances.get(INSTANCE)!, InstanceId: 923536569736 });
    // Names for this node are cached from the first test; use a node nobody looked up yet.
    failed.data.nodeId = 700009999999;
    failed.data.appId = 99999;
    const t0 = Date.now();
    await bot.post(failed);
    const msg = await waitFor(() => messageFor(failed.id), "the failure message despite a slow API", SLOW_MS);
    const ms = Date.now() - t0;
    // The budget plus room for a loaded machine, well before the API answers.
    expect(ms).toBeLessThan(BUDGET_MS + 3_000);
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain("700009999999");
    expect(text).toContain("Some names are unavailable");
    console.log(`slow DataWorks API: message delivered ${ms} ms after ingest (budget ${BUDGET_MS} ms)`);
  });
});
