import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandReply } from "../../src/core/chat-adapter.js";
import { isDiff } from "../../src/core/message.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { sleep, waitFor } from "../helpers/wait.js";

/**
 * A card showing that DataWorks accepted the decision ("accepted (…, request FAKE-3)" / "已接收（…，请求 FAKE-3）").
 * Not any "FAKE-": a pending card can show a fake request id too (its facts: "GetIDEEventDetail failed … FAKE-2").
 */
const ACCEPTED = /(request|请求) FAKE-/;

const TOKEN = "xoxb-commands";
const SIGNING = "slack-signing-commands";
const AK = "LTAI-commands-test";
const SECRET = "dw-commands-secret-0123";

/** Everything a reply shows, as one string, for assertions on content (not layout). */
const shown = (r: CommandReply) => {
  const m = r.message;
  return [
    m.title,
    ...m.fields.map((f) => `${f.label}: ${f.value}`),
    ...m.sections.map((s) => `${s.title ?? ""}\n${isDiff(s) ? "" : s.text}`),
    ...m.context,
  ].join("\n");
};

/**
 * The command executor through runtime.onCommand (what every transport calls) against the real Redis, the
 * real approval service and workers, the Slack WebClient against a fake Slack and the DataWorks OpenAPI
 * client against a fake DataWorks.
 */
describe("commands: executor against real Redis (startTestBot)", () => {
  let slack: FakeSlack;
  let dw: FakeDataWorks;
  let bot: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: ["C0OPS", "C0LEADS"] });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([slack.start(), dw.start()]);
    dw.projects.set(91234, { ProjectId: 91234, ProjectName: "sales_dw", ProjectIdentifier: "sales_dw" });
    bot = await startTestBot({
      slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
      dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: "ext-commands" }),
      enrich: { timeout: 500 },
      notifications: { instanceStatuses: ["failed", "succeeded"] },
      destinations: {
        ops: { platform: "slack", channel: "C0OPS" },
        leads: { platform: "slack", channel: "C0LEADS", locale: "zh-CN" },
      },
      routes: [{ name: "all", destinations: ["ops"] }],
      approvals: {
        deliveryBackoff: "50ms",
        groups: { leads: { slack: ["U0LEAD"] } },
        routes: [
          {
            name: "prod",
            destinations: ["ops", "leads"],
            approvers: { users: { slack: ["U0ALICE"] }, groups: ["leads"] },
          },
        ],
      },
      commands: { roles: { mute: { groups: ["leads"] } } },
    });
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([slack?.stop(), dw?.stop()]);
  });

  const ask = (text: string, user = "U0ALICE", channel = "C0OPS") =>
    bot.runtime.onCommand({ adapter: "slack", text, user: { id: user, name: user.slice(2).toLowerCase() }, channel });

  // Each event its own node and instance: a later event of a node whose failure was posted rewrites that message
  // (src/incidents/track.ts). With one node for all, "recent" raced with it: whether the failure's message
  // still showed its id depended on which of the concurrently processed events the workers reached first.
  let nodes = 0;
  const instance = (status: number, appId = 91234): Record<string, unknown> => {
    const e = freshEvent("instance-status-changes");
    const n = ++nodes;
    return {
      ...e,
      data: {
        ...(e.data as Record<string, unknown>),
        status,
        appId,
        nodeId: 700009100000 + n,
        taskId: 800009100000 + n,
      },
    };
  };

  /** Post events and wait until the events worker has finished each (recorded, routed or not). */
  async function postAll(...events: Array<Record<string, unknown>>) {
    for (const e of events) expect((await bot.post(e)).status).toBe(202);
    const ids = events.map((e) => String(e.id));
    return waitFor(async () => {
      const done = await bot.runtime.queues.events.getJobs(["completed"]);
      const byEvent = new Map(done.map((j) => [j.data.event.id, j.returnvalue as { destinations: string[] }]));
      return ids.every((id) => byEvent.has(id)) ? ids.map((id) => byEvent.get(id)!) : undefined;
    }, `${ids.length} events processed`);
  }

  const slackHas = (id: unknown) => slack.messages.some((m) => JSON.stringify(m.blocks).includes(String(id)));

  it("recent: newest first, with status, type, workspace (id and enriched name) and since filters", async () => {
    const failed = instance(5);
    const ok = instance(6);
    const dag = freshEvent("dag-status-changes");
    const dq = freshEvent("dqc-check-finished-event");
    const other = instance(5, 55555);
    await postAll(failed, ok, dag, dq, other);
    // An event received two hours ago, straight into the store.
    const old = instance(5);
    await bot.runtime.recent.record(
      { ...(await bot.runtime.recent.get(String(failed.id)))!.event, id: String(old.id) },
      Date.now() - 2 * 3_600_000,
    );

    const failures = shown(await ask("recent 50 status=failed"));
    for (const e of [failed, dag, dq, other, old]) expect(failures).toContain(String(e.id));
    expect(failures).not.toContain(String(ok.id));
    expect(failures).toContain("Filter: status=failed");

    const newest = await ask("recent 1");
    expect(newest.message.title).toBe("Recent events (1)");
    expect(shown(newest)).toContain(String(other.id));

    const dags = shown(await ask("recent type=dataworks:DagStatusChanges:DagStatusChanges"));
    expect(dags).toContain(String(dag.id));
    expect(dags).not.toContain(String(failed.id));

    const byId = shown(await ask("recent 50 workspace=91234 status=failed since=1h"));
    expect(byId).toContain(String(failed.id));
    expect(byId).not.toContain(String(other.id));
    expect(byId, "since=1h leaves out the event received two hours ago").not.toContain(String(old.id));

    // The instance event carries only appId; its name comes from the enrichment cache filled on delivery.
    // The lookup may answer after the 500 ms budget (the message went out with ids); its late answer fills the cache.
    await waitFor(() => slackHas(failed.id), "the failure delivered (and enriched)");
    const byName = await waitFor(async () => {
      const reply = shown(await ask("recent 50 workspace=sales_dw"));
      return reply.includes(String(failed.id)) ? reply : undefined;
    }, "the workspace name in the enrichment cache");
    expect(byName).not.toContain(String(other.id));
    expect(byName).toContain("workspace sales_dw");
  });

  it("recent names the node as the channel message did (the enrichment cache), never calling DataWorks itself", async () => {
    const e = instance(5);
    const d = e.data as { taskId: number; nodeId: number };
    const taskId = 880077665500 + Math.floor(Math.random() * 40);
    (e.data as Record<string, unknown>).taskId = taskId;
    dw.nodes.set(d.nodeId, { NodeId: d.nodeId, NodeName: "ads_finance_voucher_di", OwnerId: "1", ProjectId: 91234 });
    dw.instances.set(taskId, {
      InstanceId: taskId,
      NodeId: d.nodeId,
      NodeName: "ads_finance_voucher_di",
      CycTime: Date.now(),
      Bizdate: Date.now(),
      Status: "FAILURE",
    });
    await postAll(e);
    await waitFor(() => slackHas(e.id), "the channel message");
    // The message itself names the node only when DataWorks answered within enrich.timeout (500 ms here), which a
    // loaded machine can miss (this test then timed out waiting for it); the lookups still answer and fill the cache,
    // and the cache is what recent reads. So: wait for the name there, through recent.
    const lineOf = async () =>
      shown(await ask("recent 50 status=failed"))
        .split("\n")
        .find((_l, i, all) => all[i + 1]?.includes(String(e.id)));
    const line = await waitFor(async () => {
      const l = await lineOf();
      return l?.includes("ads_finance_voucher_di") ? l : undefined;
    }, "recent naming the node from the enrichment cache");
    expect(line).not.toContain(String(d.nodeId));
    // However often recent was asked, DataWorks was asked about this node and instance once per lookup (enrichment's).
    const asked = dw.calls.filter((c) =>
      [String(d.nodeId), String(taskId)].includes(String(c.params.NodeId ?? c.params.InstanceId)),
    );
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked.map((c) => c.action)).size, "one call per lookup").toBe(asked.length);
    const calls = dw.calls.length;
    expect(await lineOf()).toBe(line);
    expect(dw.calls.length, "recent reads the cache only").toBe(calls);
  });

  it("recent in Chinese answers in Chinese; help follows the command word or the channel's locale", async () => {
    const zh = await ask("最近 3 状态=失败");
    expect(zh.message.title).toMatch(/^最近事件（\d）$/);
    expect(zh.message.locale).toBe("zh-CN");
    expect((await ask("help")).message.title).toBe("DataWorks bot commands");
    expect((await ask("help", "U0ALICE", "C0LEADS")).message.title).toBe("DataWorks 机器人命令");
    expect((await ask("帮助")).message.title).toBe("DataWorks 机器人命令");
    const one = shown(await ask("help mute"));
    expect(one).toContain("mute <type=… status=… workspace=…> for <30m|2h|1d> [reason]");
    expect(one).toContain("Examples");
  });

  it("show: the full event through its template, with when it was received; unknown ids get the usage", async () => {
    const e = instance(5);
    await postAll(e);
    // The workspace name is looked up within enrich.timeout (500 ms here), which a loaded machine can miss; the
    // answer then shows the id, and the next show finds the name.
    const workspace = (r: CommandReply) => r.message.fields.find((f) => f.label === "Workspace")?.value;
    const r = await waitFor(async () => {
      const answer = await ask(`show ${e.id}`);
      return workspace(answer) === "sales_dw (91234)" ? answer : undefined;
    }, "show naming the workspace");
    expect(r.message.title).toContain("Failed");
    expect(r.message.fields.map((f) => f.label)).toEqual(expect.arrayContaining(["Node", "Status", "Workspace"]));
    expect(r.message.context.some((c) => c.startsWith("Received "))).toBe(true);
    expect(r.share).toBe(false);

    const missing = await ask("show no-such-event");
    expect(missing.message.severity).toBe("warning");
    expect(shown(missing)).toContain("No recent event has the id no-such-event");
    expect(shown(missing)).toContain("show <event id>");
  });

  it("unknown commands and bad arguments get a friendly error with the usage line, never a stack trace", async () => {
    const unknown = shown(await ask("frobnicate everything"));
    expect(unknown).toContain(`I don't know the command "frobnicate"`);
    expect(unknown).toContain("recent [N]");
    expect(unknown).toContain("unmute <mute id>");
    const limit = shown(await ask("recent 99"));
    expect(limit).toContain("between 1 and 50");
    expect(limit).toContain("recent [N] [type=…]");
    const zh = shown(await ask("审批记录 by"));
    expect(zh).toContain("这里不应出现“by”");
    for (const text of [unknown, limit, zh]) expect(text).not.toMatch(/\bat .+\.(ts|js):\d+/);
  });

  it("refuses commands outside the configured channels and changes by people without the role", async () => {
    const elsewhere = shown(await ask("recent", "U0ALICE", "C0RANDOM"));
    expect(elsewhere).toContain("Commands are not enabled in this conversation");
    expect(elsewhere).not.toContain("Recent events");
    expect((await ask("help", "U0ALICE", "C0RANDOM")).message.title).toBe("DataWorks bot commands");
    const mute = shown(await ask("mute status=failed for 1h", "U0BOB"));
    expect(mute).toContain("You may not mute or unmute");
    expect(await bot.runtime.mutes.active()).toHaveLength(0);
    expect(shown(await ask("unmute m2345a", "U0BOB"))).toContain("You may not mute or unmute");
  });

  it("pending → approve by command: same approvers as the buttons, cards updated, DataWorks called once", async () => {
    const ev = freshEvent("commit-file");
    await postAll(ev);
    const id = (await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) }))!;
    const find = (ch: string) => slack.inChannel(ch).find((m) => JSON.stringify(m.blocks).includes(id));
    const cards = await waitFor(
      () => (find("C0OPS") && find("C0LEADS") ? [find("C0OPS")!, find("C0LEADS")!] : undefined),
      "cards in both channels",
    );

    const list = shown(await ask("pending"));
    expect(list).toContain(id);
    expect(list).toContain("Who may decide: @leads; slack: U0ALICE");
    expect(list).toMatch(/Decide by: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(UTC\+08:00\) \(\d+m( \d+s)? left\)/);
    expect(shown(await ask("待审批", "U0ALICE", "C0LEADS"))).toContain("审批人: @leads; slack: U0ALICE");

    const notApprover = await ask(`approve ${id}`, "U0BOB");
    expect(shown(notApprover)).toContain("You are not an approver for this request (prod)");
    const approved = await ask(`approve ${id}`, "U0ALICE");
    expect(approved.message.title).toBe("Approved. The decision is on its way to DataWorks.");
    expect(approved.message.severity).toBe("success");
    const late = await ask(`approve ${id}`, "U0LEAD");
    expect(shown(late)).toContain("Already decided: Approved by alice");

    await waitFor(() => dw.decisions.get(String(ev.id)), "the decision at DataWorks");
    for (const card of cards) {
      await waitFor(() => ACCEPTED.test(JSON.stringify(card.blocks)), `the card in ${card.channel} is updated`);
      expect(JSON.stringify(card.blocks)).not.toContain("approval.approve");
    }
    await sleep(300);
    expect(dw.callsOf("UpdateIDEEventResult").filter((c) => c.params.MessageId === ev.id)).toHaveLength(1);
    expect(shown(await ask("pending"))).not.toContain(id);

    const audit = shown(await ask("audit 5 by=alice"));
    expect(audit).toContain(id);
    expect(audit).toContain("Approved · alice (slack)");
    expect(shown(await ask("audit 5 by=nobody"))).toContain("No decisions recorded yet.");
  });

  it("block by command needs a reason, which reaches DataWorks", async () => {
    const ev = freshEvent("deploy-file");
    await postAll(ev);
    const id = (await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) }))!;
    const noReason = shown(await ask(`block ${id}`, "U0LEAD"));
    expect(noReason).toContain("Blocking this request needs a reason");
    expect(noReason).toContain("block <approval id> <reason>");
    expect((await bot.runtime.approvalStore.get(id))?.state).toBe("pending");
    const blocked = await ask(`拒绝 ${id} 周一前封版`, "U0LEAD");
    expect(blocked.message.title).toBe("已拒绝，正在回传 DataWorks。");
    const d = await waitFor(() => dw.decisions.get(String(ev.id)), "the decision at DataWorks");
    expect(d.checkResult).toBe("FAIL");
    expect(d.tip).toContain("周一前封版");
    const audit = shown(await ask("audit 5"));
    expect(audit).toContain("Blocked · lead (slack)");
    expect(audit).toContain("Reason: 周一前封版");
  });

  it("mute silences matching notifications (stored and counted), never approvals; unmute restores", async () => {
    const set = await ask("mute status=failed workspace=77001 for 1h load test", "U0LEAD");
    expect(set.share).toBe(true);
    const muteId = /\((m[a-z0-9]{5})\)/.exec(set.message.title)?.[1];
    expect(muteId, set.message.title).toBeTruthy();
    expect(shown(set)).toContain("status=failed workspace=77001");

    // Three different nodes: a success of the node whose failure was posted would update that message instead.
    const node = (e: Record<string, unknown>, nodeId: number): Record<string, unknown> => ({
      ...e,
      data: { ...(e.data as object), nodeId },
    });
    const silenced = node(instance(5, 77001), 700007700101);
    const otherWs = node(instance(5, 77002), 700007700201);
    const success = node(instance(6, 77001), 700007700102);
    const approval: Record<string, unknown> = {
      ...freshEvent("deploy-table"),
      data: { ...(freshEvent("deploy-table").data as object), projectId: 77001 },
    };
    const [r1, r2, r3] = await postAll(silenced, otherWs, success, approval);
    expect(r1?.destinations).toEqual([]);
    expect(r2?.destinations).toEqual(["ops"]);
    expect(r3?.destinations).toEqual(["ops"]);
    await waitFor(() => slackHas(otherWs.id) && slackHas(success.id), "the unmuted notifications");
    const approvalId = (await bot.runtime.approvalStore.idForEvent({
      source: "acs.dataworks",
      id: String(approval.id),
    }))!;
    await waitFor(() => slack.messages.some((m) => JSON.stringify(m.blocks).includes(approvalId)), "the approval card");
    await sleep(300);
    expect(slackHas(silenced.id)).toBe(false);
    // Stored all the same: recent lists it.
    expect(shown(await ask("recent 50 workspace=77001"))).toContain(String(silenced.id));

    const list = shown(await ask("mutes"));
    expect(list).toContain(muteId);
    expect(list).toContain("1 notifications silenced");
    expect(list).toContain("load test");
    expect(await bot.runtime.redis.hget(bot.runtime.mutes.mutedKey, "instance-status-changes")).toBe("1");

    const un = await ask(`unmute ${muteId}`, "U0LEAD");
    expect(un.message.title).toBe(`Unmuted ${muteId}`);
    expect(un.share).toBe(true);
    const after = instance(5, 77001);
    const [r4] = await postAll(after);
    expect(r4?.destinations).toEqual(["ops"]);
    expect(shown(await ask(`unmute ${muteId}`, "U0LEAD"))).toContain(`There is no mute ${muteId} in force`);
    expect(shown(await ask("mute status=failed for 30d", "U0LEAD"))).toContain("A mute can last at most 7d");
  });

  it("a mute stops applying the moment it expires", async () => {
    // Long enough to still be in force when a loaded machine gets to the first event.
    const set = await ask("mute type=instance-status-changes workspace=77003 for 5s", "U0LEAD");
    const muteId = /\((m[a-z0-9]{5})\)/.exec(set.message.title)?.[1];
    expect(muteId).toBeTruthy();
    const [during] = await postAll(instance(5, 77003));
    expect(during?.destinations).toEqual([]);
    const until = (await bot.runtime.mutes.get(muteId!))!.until;
    await sleep(Math.max(0, until - Date.now()) + 50);
    const [afterwards] = await postAll(instance(5, 77003));
    expect(afterwards?.destinations).toEqual(["ops"]);
    expect(shown(await ask("mutes"))).not.toContain(muteId);
  });
});
