import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalDecision, localDecisionSender } from "../../src/approvals/local-decision-sender.js";
import { createLogger } from "../../src/logger.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { deployFreeze, shortKillRoute } from "../helpers/approval-config.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { blockAction, form, slackHeaders, viewSubmission } from "../helpers/sign-slack.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-approvals";
const SIGNING = "slack-signing-secret-123";
const CHANNEL = "C0APPR";
const OPERATOR_UID = "1938274650735"; // the operator in the commit-file fixture

describe("approvals on Slack: card → signed click → DataWorks decision → card updated", () => {
  let slack: FakeSlack;
  let bot: TestBot;
  const sent: LocalDecision[] = [];

  beforeAll(async () => {
    slack = new FakeSlack({
      token: TOKEN,
      channels: [CHANNEL],
      users: { U0ALICE: { name: "alice", real_name: "Alice Chen", display_name: "Alice C." } },
    });
    await slack.start();
    bot = await startTestBot(
      {
        slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
        dataworks: { extensionCode: "ext-test" },
        destinations: { approvals: { platform: "slack", channel: CHANNEL } },
        approvals: {
          groups: { leads: { slack: ["U0LEAD", "U0CAROL"] } },
          users: { [OPERATOR_UID]: { slack: ["U0BOB"] } },
          policies: [deployFreeze("new-year-freeze")],
          routes: [
            shortKillRoute(["approvals"]),
            {
              name: "prod",
              destinations: ["approvals"],
              approvers: { users: { slack: ["U0ALICE", "U0BOB"] }, groups: ["leads"] },
            },
          ],
        },
      },
      { decisionSender: localDecisionSender(createLogger("silent"), sent) },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });
  beforeEach(() => {
    slack.ephemeral.length = 0;
  });

  const click = (payload: unknown, headers?: Record<string, string>) => {
    const body = form(payload);
    return fetch(`${bot.url}/slack/events`, { method: "POST", headers: headers ?? slackHeaders(SIGNING, body), body });
  };

  /** POST an extension event and wait for its card; returns the approval id and the card. */
  async function postAndWaitForCard(name: string) {
    const ev = freshEvent(name);
    const res = await bot.post(ev);
    expect(res.status).toBe(202);
    const id = await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) });
    expect(id, "the approval is recorded before the 2xx").toBeTruthy();
    const card = await waitFor(
      () => slack.messages.find((m) => JSON.stringify(m.blocks).includes(String(id))),
      "the approval card",
    );
    return { ev, id: id as string, card };
  }

  it("approves from a signed click, returns OK to DataWorks once and updates the card", async () => {
    const { ev, id, card } = await postAndWaitForCard("commit-file");
    expect(card.text).toContain("Approval needed");
    const started = Date.now();
    const res = await click(
      blockAction({
        actionId: "approval.approve",
        value: id,
        userId: "U0ALICE",
        userName: "alice",
        channel: CHANNEL,
        ts: card.ts,
      }),
    );
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3000);
    await waitFor(() => sent.find((d) => d.messageId === ev.id), "the decision at DataWorks");
    // Updated with the outcome and DataWorks' answer (approval-card-updates.test.ts counts the calls).
    await waitFor(
      () => JSON.stringify(card.blocks).includes("accepted (UpdateIDEEventResult"),
      "the card updated (decided, DataWorks accepted)",
    );
    expect(card.text).toContain("Approved");
    expect(JSON.stringify(card.blocks)).not.toContain("approval.approve");
    // The display name users.info gives, not the handle the click carried.
    expect(JSON.stringify(card.blocks)).toContain("Approved by Alice C.");
    // Posted after the click is acked.
    await waitFor(
      () => slack.ephemeral.some((e) => e.user === "U0ALICE" && e.text.includes("Approved")),
      "the clicker's ephemeral answer",
    );
    // No auth.test round trip per click: the bot token is given to Bolt through authorize().
    expect(slack.calls.filter((c) => c.path.endsWith("auth.test"))).toHaveLength(0);
    const decisions = sent.filter((d) => d.messageId === ev.id);
    expect(decisions).toEqual([expect.objectContaining({ api: "UpdateIDEEventResult", checkResult: "OK" })]);
    expect(decisions[0]?.message).toContain("Approved by Alice C. (slack)");
    const a = await bot.runtime.approvalStore.get(id);
    expect(a?.state).toBe("approved");
    expect(a?.dataworks?.status).toBe("accepted");
    const audit = await bot.runtime.approvalStore.auditLog(10);
    expect(
      audit.some((e) => e.approvalId === id && e.decision?.by.kind === "human" && e.decision.by.userId === "U0ALICE"),
    ).toBe(true);

    // A late click changes nothing and says who decided.
    await click(
      blockAction({ actionId: "approval.block", value: id, userId: "U0LEAD", channel: CHANNEL, ts: card.ts }),
    );
    await waitFor(() => slack.ephemeral.find((e) => e.user === "U0LEAD"), "the late-click answer");
    expect(slack.ephemeral.find((e) => e.user === "U0LEAD")?.text).toContain("Already decided");
    await sleep(200);
    expect(sent.filter((d) => d.messageId === ev.id)).toHaveLength(1);
  });

  it("looks a name up once (cached in Redis), and shows the handle when the token lacks users:read", async () => {
    const lookups = () => slack.calls.filter((c) => c.path.endsWith("users.info")).length;
    const approve = async (userId: string, userName: string) => {
      const { ev, id, card } = await postAndWaitForCard("commit-file");
      await click(
        blockAction({ actionId: "approval.approve", value: id, userId, userName, channel: CHANNEL, ts: card.ts }),
      );
      return waitFor(() => sent.find((d) => d.messageId === ev.id), "the decision");
    };
    const before = lookups();
    // Alice was looked up by the first test: the cached name, no API call.
    expect((await approve("U0ALICE", "alice")).message).toContain("Approved by Alice C. (slack)");
    expect(lookups()).toBe(before);
    slack.usersScope = false;
    try {
      expect((await approve("U0CAROL", "carol.handle")).message).toContain("Approved by carol.handle (slack)");
      expect((await approve("U0CAROL", "carol.handle")).message).toContain("Approved by carol.handle (slack)");
      // One failed lookup, remembered: the second click did not ask again.
      expect(lookups()).toBe(before + 1);
    } finally {
      slack.usersScope = true;
    }
  });

  it("refuses unauthorized and self-approval clicks and forged or stale signatures", async () => {
    const { ev, id, card } = await postAndWaitForCard("commit-file");
    await click(
      blockAction({ actionId: "approval.approve", value: id, userId: "U0EVE", channel: CHANNEL, ts: card.ts }),
    );
    await click(
      blockAction({ actionId: "approval.approve", value: id, userId: "U0BOB", channel: CHANNEL, ts: card.ts }),
    );
    const payload = form(
      blockAction({ actionId: "approval.approve", value: id, userId: "U0ALICE", channel: CHANNEL, ts: card.ts }),
    );
    const wrongSecret = await fetch(`${bot.url}/slack/events`, {
      method: "POST",
      headers: slackHeaders("not-the-secret", payload),
      body: payload,
    });
    const stale = await fetch(`${bot.url}/slack/events`, {
      method: "POST",
      headers: slackHeaders(SIGNING, payload, Math.floor(Date.now() / 1000) - 600),
      body: payload,
    });
    const future = await fetch(`${bot.url}/slack/events`, {
      method: "POST",
      headers: slackHeaders(SIGNING, payload, Math.floor(Date.now() / 1000) + 600),
      body: payload,
    });
    expect([wrongSecret.status, stale.status, future.status]).toEqual([401, 401, 401]);
    await waitFor(() => slack.ephemeral.length >= 2, "two refusals");
    expect(slack.ephemeral.find((e) => e.user === "U0EVE")?.text).toContain("not an approver");
    expect(slack.ephemeral.find((e) => e.user === "U0BOB")?.text).toContain("your own operation");
    await sleep(200);
    expect((await bot.runtime.approvalStore.get(id))?.state).toBe("pending");
    expect(sent.some((d) => d.messageId === ev.id)).toBe(false);
  });

  it("asks for a reason before blocking, then returns FAIL with it", async () => {
    const { ev, id, card } = await postAndWaitForCard("delete-file");
    await click(
      blockAction({
        actionId: "approval.block",
        value: id,
        userId: "U0LEAD",
        userName: "lead",
        channel: CHANNEL,
        ts: card.ts,
      }),
    );
    const view = await waitFor(
      () => slack.views.find((v) => String(v.view.private_metadata).includes(id)),
      "the reason modal",
    );
    expect((await bot.runtime.approvalStore.get(id))?.state).toBe("pending");
    const res = await click(
      viewSubmission({
        userId: "U0LEAD",
        privateMetadata: String(view.view.private_metadata),
        reason: "touches the finance tables",
      }),
    );
    expect(res.status).toBe(200);
    const d = await waitFor(() => sent.find((x) => x.messageId === ev.id), "the FAIL decision");
    expect(d.checkResult).toBe("FAIL");
    expect(d.message).toContain("touches the finance tables");
    await waitFor(() => card.text.includes("Blocked"), "the card shows Blocked");
  });

  it("queues the DataWorks call again for a decision whose job was lost (Redis failed right after deciding)", async () => {
    const { ev, id } = await postAndWaitForCard("run-file");
    // The decision is taken but the job that returns it is never queued, as if Redis failed in between.
    const r = await bot.runtime.approvalStore.decide(id, {
      result: "OK",
      by: { kind: "human", platform: "slack", userId: "U0ALICE" },
      at: Date.now(),
    });
    expect(r.ok).toBe(true);
    await sleep(300);
    expect(sent.some((d) => d.messageId === ev.id)).toBe(false);
    await bot.runtime.approvals.expire(id); // the deadline job still fires and finds the decision unreturned
    const d = await waitFor(() => sent.find((x) => x.messageId === ev.id), "the decision at DataWorks");
    expect(d.checkResult).toBe("OK");
  });

  it("applies the route's default outcome when no one decides by the deadline", async () => {
    const { ev, id, card } = await postAndWaitForCard("pre-kill-instance");
    const d = await waitFor(() => sent.find((x) => x.messageId === ev.id), "the timeout decision", 8000);
    expect(d).toMatchObject({ checkResult: "FAIL", api: "UpdateWorkbenchEventResult" });
    expect((await bot.runtime.approvalStore.get(id))?.state).toBe("expired");
    await waitFor(() => card.text.includes("Expired"), "the card shows Expired");
  });

  it("decides at once by policy and posts the outcome as a notification", async () => {
    const ev = freshEvent("deploy-file");
    await bot.post(ev);
    const d = await waitFor(() => sent.find((x) => x.messageId === ev.id), "the policy decision");
    expect(d).toMatchObject({ checkResult: "FAIL", message: "Deploys are frozen" });
    const note = await waitFor(
      () =>
        slack.messages.find((m) => m.text.includes("Blocked") && JSON.stringify(m.blocks).includes("new-year-freeze")),
      "the notification",
    );
    expect(JSON.stringify(note.blocks)).not.toContain("approval.approve");
  });

  it("takes exactly one decision when approvers click at the same moment", async () => {
    const { ev, id, card } = await postAndWaitForCard("commit-table");
    const clicks = ["U0ALICE", "U0LEAD", "U0ALICE", "U0LEAD"].map((u, i) =>
      click(
        blockAction({
          actionId: i % 2 ? "approval.approve" : "approval.approve",
          value: id,
          userId: u,
          channel: CHANNEL,
          ts: card.ts,
        }),
      ),
    );
    await Promise.all(clicks);
    await waitFor(() => sent.find((x) => x.messageId === ev.id), "the decision");
    await sleep(300);
    expect(sent.filter((x) => x.messageId === ev.id)).toHaveLength(1);
    const audit = await bot.runtime.approvalStore.auditLog(50);
    expect(audit.filter((e) => e.approvalId === id && e.kind === "decision")).toHaveLength(1);
  });
});
