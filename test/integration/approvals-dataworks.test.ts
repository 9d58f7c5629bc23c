import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { testPrefix } from "../helpers/redis.js";
import { blockAction, form, slackHeaders } from "../helpers/sign-slack.js";
import { sleep, waitFor } from "../helpers/wait.js";

/**
 * A card showing that DataWorks accepted the decision ("accepted (…, request FAKE-3)" / "已接收（…，请求 FAKE-3）").
 * Not any "FAKE-": a pending card can show a fake request id too (its facts: "GetIDEEventDetail failed … FAKE-2").
 */
const ACCEPTED = /(request|请求) FAKE-/;

const TOKEN = "xoxb-approvals-dw";
const SIGNING = "slack-signing-secret-dw";
const AK = "LTAI-approvals-test";
const SECRET = "dw-approvals-secret-0123";
const EXT = "ext-approvals-0001";

/**
 * Two bot instances on one Redis, the real Slack WebClient and the real Alibaba Cloud OpenAPI client against
 * local fakes: the decision reaches DataWorks exactly once and every copy of the card shows it.
 */
describe("approvals end to end with the DataWorks OpenAPI (two instances)", () => {
  let slack: FakeSlack;
  let dw: FakeDataWorks;
  let a: TestBot;
  let b: TestBot;
  const prefix = testPrefix();

  const config = (timeout = "30m") => ({
    slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
    dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: EXT }),
    enrich: { enabled: false },
    destinations: {
      ops: { platform: "slack", channel: "C0OPS" },
      leads: { platform: "slack", channel: "C0LEADS", locale: "zh-CN" },
    },
    approvals: {
      deliveryBackoff: "50ms",
      deliveryAttempts: 6,
      routes: [
        {
          name: "prod",
          destinations: ["ops", "leads"],
          approvers: { users: { slack: ["U0ALICE", "U0CAROL"] } },
          timeout,
        },
      ],
    },
  });

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: ["C0OPS", "C0LEADS"] });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([slack.start(), dw.start()]);
    a = await startTestBot(config(), { prefix, keepKeys: true });
    b = await startTestBot(config(), { prefix });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await Promise.all([slack?.stop(), dw?.stop()]);
  });

  const click = (bot: TestBot, payload: unknown) => {
    const body = form(payload);
    return fetch(`${bot.url}/slack/events`, { method: "POST", headers: slackHeaders(SIGNING, body), body });
  };

  async function cardsFor(ev: Record<string, unknown>) {
    const id = await a.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) });
    expect(id).toBeTruthy();
    const find = (ch: string) => slack.inChannel(ch).find((m) => JSON.stringify(m.blocks).includes(String(id)));
    const [ops, leads] = await waitFor(
      () => (find("C0OPS") && find("C0LEADS") ? [find("C0OPS")!, find("C0LEADS")!] : undefined),
      "cards in both channels",
    );
    return { id: id as string, ops, leads };
  }

  it("returns the click to DataWorks with the right API and parameters, and updates every card", async () => {
    const ev = freshEvent("commit-file");
    await a.post(ev);
    const { id, ops, leads } = await cardsFor(ev);
    expect(leads.text).toContain("待审批");
    await click(
      b,
      blockAction({
        actionId: "approval.approve",
        value: id,
        userId: "U0ALICE",
        userName: "alice",
        channel: "C0OPS",
        ts: ops.ts,
      }),
    );
    const decided = await waitFor(() => dw.decisions.get(String(ev.id)), "the decision at DataWorks");
    expect(decided).toMatchObject({ action: "UpdateIDEEventResult", checkResult: "OK" });
    const call = dw.callsOf("UpdateIDEEventResult").find((c) => c.params.MessageId === ev.id);
    expect(call?.params).toMatchObject({ ExtensionCode: EXT, CheckResult: "OK" });
    expect(call?.params.CheckResultTip).toContain("alice");
    for (const card of [ops, leads]) {
      await waitFor(
        () => ACCEPTED.test(JSON.stringify(card.blocks)),
        `card in ${card.channel} shows DataWorks accepted`,
      );
      expect(JSON.stringify(card.blocks)).not.toContain("approval.approve");
    }
    expect(leads.text).toContain("已批准");
  });

  it("takes exactly one decision when two approvers click on two instances at the same moment", async () => {
    const ev = freshEvent("deploy-table");
    await b.post(ev);
    const { id, ops } = await cardsFor(ev);
    await Promise.all(
      [a, b, a, b].map((bot, i) =>
        click(
          bot,
          blockAction({
            actionId: "approval.approve",
            value: id,
            userId: i % 2 ? "U0CAROL" : "U0ALICE",
            channel: "C0OPS",
            ts: ops.ts,
          }),
        ),
      ),
    );
    await waitFor(() => dw.decisions.get(String(ev.id)), "the decision");
    await sleep(300);
    expect(dw.callsOf("UpdateIDEEventResult").filter((c) => c.params.MessageId === ev.id)).toHaveLength(1);
    const audit = await a.runtime.approvalStore.auditLog(100);
    expect(audit.filter((e) => e.approvalId === id && e.kind === "decision")).toHaveLength(1);
  });

  it("keeps retrying while DataWorks is down and delivers the decision once when it is back", async () => {
    const ev = freshEvent("undeploy-node");
    await a.post(ev);
    const { id, ops } = await cardsFor(ev);
    dw.script.push(
      { action: "UpdateWorkbenchEventResult", answer: { status: 503 } },
      { action: "UpdateWorkbenchEventResult", answer: { throttle: true } },
      { action: "UpdateWorkbenchEventResult", answer: { status: 500 } },
    );
    await click(
      a,
      blockAction({ actionId: "approval.approve", value: id, userId: "U0CAROL", channel: "C0OPS", ts: ops.ts }),
    );
    await waitFor(() => dw.decisions.get(String(ev.id)), "the decision after three failures", 15_000);
    await sleep(300);
    // Three refused attempts, then one accepted call, then nothing more.
    expect(dw.callsOf("UpdateWorkbenchEventResult").filter((c) => c.params.MessageId === ev.id)).toHaveLength(4);
    // Recorded after DataWorks answers.
    await waitFor(
      async () => (await a.runtime.approvalStore.get(id))?.dataworks?.status === "accepted",
      "the approval's DataWorks status accepted",
    );
  });

  it("raises an alert in the route's channels when DataWorks refuses the decision", async () => {
    const ev = freshEvent("delete-project");
    await a.post(ev);
    const { id, ops } = await cardsFor(ev);
    dw.script.push({ action: "CallbackExtension", answer: { successFalse: true } });
    await click(
      a,
      blockAction({ actionId: "approval.approve", value: id, userId: "U0ALICE", channel: "C0OPS", ts: ops.ts }),
    );
    const alert = await waitFor(
      () => slack.inChannel("C0OPS").find((m) => m.text.includes("could not be returned to DataWorks")),
      "the alert",
    );
    expect(JSON.stringify(alert.blocks)).toContain("Mark as Passed");
    const approval = await a.runtime.approvalStore.get(id);
    expect(approval?.dataworks?.status).toBe("failed");
    await waitFor(() => JSON.stringify(ops.blocks).includes("NOT accepted"), "the card says DataWorks did not accept");
  });
});

describe("approvals survive a restart of the bot", () => {
  it("keeps pending approvals and still fires their deadline after a restart", async () => {
    const slack = new FakeSlack({ token: TOKEN, channels: ["C0OPS"] });
    const dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([slack.start(), dw.start()]);
    const prefix = testPrefix();
    const cfg = {
      slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
      dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: EXT }),
      enrich: { enabled: false },
      destinations: { ops: { platform: "slack", channel: "C0OPS" } },
      approvals: {
        routes: [{ name: "prod", destinations: ["ops"], approvers: { users: { slack: ["U0ALICE"] } }, timeout: "2s" }],
      },
    };
    const first = await startTestBot(cfg, { prefix, keepKeys: true });
    const ev = freshEvent("pre-rerun-instance");
    await first.post(ev);
    await waitFor(() => slack.messages.length >= 1, "the card");
    await first.close();
    expect(dw.decisions.size).toBe(0);
    const second = await startTestBot(cfg, { prefix });
    try {
      const d = await waitFor(() => dw.decisions.get(String(ev.id)), "the deadline after the restart", 10_000);
      expect(d).toMatchObject({ action: "UpdateWorkbenchEventResult", checkResult: "FAIL" });
      await waitFor(() => slack.messages[0]?.text.includes("Expired"), "the card shows Expired");
    } finally {
      await second.close();
      await Promise.all([slack.stop(), dw.stop()]);
    }
  });
});
