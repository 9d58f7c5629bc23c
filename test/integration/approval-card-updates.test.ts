import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalDecision, localDecisionSender } from "../../src/approvals/local-decision-sender.js";
import type { DecisionSender } from "../../src/approvals/types.js";
import { CARD_ANSWER_GRACE_MS } from "../../src/jobs/queues.js";
import { createLogger } from "../../src/logger.js";
import { FakeSlack, type SlackMessage } from "../fakes/slack-api.js";
import { deployFreeze, shortKillRoute } from "../helpers/approval-config.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { blockAction, form, slackHeaders } from "../helpers/sign-slack.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-card-updates";
const SIGNING = "card-updates-signing";
const CHANNELS = ["C0COPYA", "C0COPYB"];

/**
 * Slack's chat.update is Tier 3 (about 50 a minute per workspace, docs.slack.dev/reference/methods/chat.update): a
 * decision costs each card copy one update when DataWorks answers within the grace, two (outcome, then DataWorks'
 * answer) when it is slower, never the same content twice.
 */
describe("approval cards: one chat.update per copy per change of state, never a repeat", () => {
  let slack: FakeSlack;
  let bot: TestBot;
  const sent: LocalDecision[] = [];
  /** How long DataWorks takes to answer a decision. */
  let answerDelayMs = 0;
  const local = localDecisionSender(createLogger("silent"), sent);
  const decisionSender: DecisionSender = async (d) => {
    await sleep(answerDelayMs);
    return local(d);
  };

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: CHANNELS });
    await slack.start();
    bot = await startTestBot(
      {
        slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
        dataworks: { extensionCode: "ext-test" },
        destinations: {
          copyA: { platform: "slack", channel: CHANNELS[0] },
          copyB: { platform: "slack", channel: CHANNELS[1] },
        },
        approvals: {
          policies: [deployFreeze("freeze")],
          routes: [
            shortKillRoute(["copyA", "copyB"]),
            {
              name: "prod",
              destinations: ["copyA", "copyB"],
              approvers: { users: { slack: ["U0ALICE", "U0CAROL"] } },
              requireBlockReason: false,
            },
          ],
        },
      },
      { decisionSender },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });

  /** The Slack messages of an approval's card copies (decided cards have no buttons to find them by). */
  const copiesOf = async (id: string) => {
    const refs = (await bot.runtime.approvalStore.get(id))?.cards ?? [];
    return slack.messages.filter((m) => refs.some((r) => r.ids.channel === m.channel && r.ids.ts === m.ts));
  };

  async function post(name: string) {
    const ev = freshEvent(name);
    expect((await bot.post(ev)).status).toBe(202);
    const id = await waitFor(
      () => bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) }),
      "the approval",
    );
    return { ev, id };
  }

  async function cards(name: string) {
    const { ev, id } = await post(name);
    const copies = await waitFor(async () => {
      const found = await copiesOf(id);
      return found.length === 2 ? found : undefined;
    }, "both card copies");
    return { ev, id, copies };
  }

  const click = (id: string, copy: SlackMessage, userId: string, actionId = "approval.approve") => {
    const body = form(blockAction({ actionId, value: id, userId, channel: copy.channel, ts: copy.ts }));
    return fetch(`${bot.url}/slack/events`, { method: "POST", headers: slackHeaders(SIGNING, body), body });
  };

  /** Wait for DataWorks' answer on the approval and for the deliveries queue to drain, then a little more. */
  async function settled(id: string) {
    await waitFor(
      async () => (await bot.runtime.approvalStore.get(id))?.dataworks?.status === "accepted",
      "DataWorks' answer",
      15_000,
    );
    await waitFor(async () => {
      const c = await bot.runtime.queues.deliveries.getJobCounts("active", "waiting", "delayed", "prioritized");
      return Object.values(c).every((n) => n === 0);
    }, "the deliveries queue drained");
    await sleep(300);
  }

  /** Each update a copy received, in order, with the body it had before (the post, or the previous update). */
  function updatesOf(copy: SlackMessage) {
    return slack.updateLog.filter((u) => u.channel === copy.channel && u.ts === copy.ts);
  }

  /**
   * How many updates each copy may get: one when DataWorks answered within the grace (the update shows both), else
   * one for the outcome and one for the answer (or one, when a busy machine ran the delayed update after the answer).
   */
  async function allowedUpdates(id: string): Promise<{ exactly?: number; atMost: number }> {
    const a = await bot.runtime.approvalStore.get(id);
    const answeredAfter = (a?.dataworks?.at ?? 0) - (a?.decision?.at ?? 0);
    return answeredAfter < CARD_ANSWER_GRACE_MS ? { exactly: 1, atMost: 1 } : { atMost: 2 };
  }

  /** Each copy got the updates allowed, each different from the one before, and ends on `finalText`. */
  async function expectUpdates(id: string, copies: SlackMessage[], finalText: RegExp) {
    const allowed = await allowedUpdates(id);
    for (const copy of copies) {
      const updates = updatesOf(copy);
      if (allowed.exactly) expect(updates.length, `${copy.channel}: chat.update calls`).toBe(allowed.exactly);
      expect(updates.length, `${copy.channel}: chat.update calls`).toBeLessThanOrEqual(allowed.atMost);
      expect(updates.length, `${copy.channel}: updated`).toBeGreaterThan(0);
      const bodies = updates.map((u) => JSON.stringify([u.text, u.blocks]));
      bodies.forEach((b, i) => {
        if (i > 0) expect(b, `${copy.channel}: update ${i + 1} repeats update ${i}`).not.toBe(bodies[i - 1]);
      });
      // Two updates: the first showed the outcome while DataWorks had not answered yet.
      if (bodies.length === 2) expect(bodies[0]).toContain("sending the decision");
      expect(copy.text).toMatch(finalText);
    }
    return allowed.atMost;
  }

  it("approve: each copy is updated once, with the outcome and DataWorks' answer", async () => {
    const { id, copies } = await cards("commit-file");
    expect((await click(id, copies[0]!, "U0ALICE")).status).toBe(200);
    await settled(id);
    await expectUpdates(id, copies, /Approved/);
    for (const copy of copies) expect(JSON.stringify(copy.blocks)).toContain("accepted (UpdateIDEEventResult");
  });

  /** Approve a commit with DataWorks answering `delayMs` late: every copy ends Approved, with DataWorks' answer. */
  const approveWithSlowDataWorks = async (delayMs: number, beforeClick: () => void = () => {}) => {
    answerDelayMs = delayMs;
    try {
      const { id, copies } = await cards("commit-file");
      beforeClick();
      expect((await click(id, copies[0]!, "U0ALICE")).status).toBe(200);
      await settled(id);
      await expectUpdates(id, copies, /Approved/);
      for (const copy of copies) expect(JSON.stringify(copy.blocks)).toContain("accepted (UpdateIDEEventResult");
    } finally {
      answerDelayMs = 0;
    }
  };

  it("approve while DataWorks is slow: once for the outcome (sending), once for DataWorks' answer", async () => {
    await approveWithSlowDataWorks(CARD_ANSWER_GRACE_MS + 1_500);
  });

  it("DataWorks answers while the first update is held at Slack: the answer waits for it, then lands once", async () => {
    await approveWithSlowDataWorks(CARD_ANSWER_GRACE_MS + 300, () => {
      // Both copies' first updates ("sending") are held at Slack past DataWorks' answer.
      slack.script.push({ delayMs: 1_500 }, { delayMs: 1_500 });
    });
  });

  it("block: the same bound", async () => {
    const { id, copies } = await cards("delete-file");
    expect((await click(id, copies[1]!, "U0ALICE", "approval.block")).status).toBe(200);
    await settled(id);
    await expectUpdates(id, copies, /Blocked/);
  });

  it("timeout: the same bound", async () => {
    const { id, copies } = await cards("pre-kill-instance");
    await settled(id);
    expect((await bot.runtime.approvalStore.get(id))?.state).toBe("expired");
    await expectUpdates(id, copies, /Expired/);
  });

  it("a double click (two approvers at once) costs no more than one click", async () => {
    const { id, copies } = await cards("commit-file");
    const [r1, r2] = await Promise.all([
      click(id, copies[0]!, "U0ALICE"),
      click(id, copies[1]!, "U0CAROL", "approval.block"),
    ]);
    expect([r1.status, r2.status]).toEqual([200, 200]);
    await settled(id);
    await expectUpdates(id, copies, /Approved|Blocked/);
  });

  it("policy decision: each copy is posted decided and updated once, for DataWorks' answer", async () => {
    const { id } = await post("deploy-file");
    await settled(id);
    const copies = await copiesOf(id);
    expect(copies).toHaveLength(2);
    for (const copy of copies)
      expect(updatesOf(copy).length, `${copy.channel}: chat.update calls`).toBeLessThanOrEqual(1);
  });

  it("over many decisions at once, one chat.update per card copy and decision", async () => {
    const before = slack.updateLog.length;
    const all = await Promise.all(Array.from({ length: 8 }, () => cards("commit-file")));
    await Promise.all(all.map(({ id, copies }) => click(id, copies[0]!, "U0ALICE")));
    for (const { id } of all) await settled(id);
    const calls = slack.updateLog.length - before;
    let allowed = 0;
    for (const { id, copies } of all) allowed += (await expectUpdates(id, copies, /Approved/)) * copies.length;
    // One per copy on a machine where DataWorks' answer comes within the grace (16 for 16 copies here; 35 before).
    expect(calls, `${calls} chat.update calls for ${all.length * 2} card copies`).toBeLessThanOrEqual(allowed);
  });
});
