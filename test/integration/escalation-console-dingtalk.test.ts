/**
 * routes[].escalate on the local console and in a DingTalk app chat (a route with `actions`: failures are interactive
 * cards there), end to end: a failure nobody acknowledged is escalated once after the delay; one acknowledged from
 * that platform (a console click, a DingTalk card click over Stream) is not. Real Redis and BullMQ, the real DingTalk
 * adapter against the fake OpenAPI and Stream gateway. (test/integration/escalation.test.ts: Slack, Lark, robot.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOPIC_CARD } from "../../adapters/dingtalk/stream.js";
import type { FakeDingTalk } from "../fakes/dingtalk-api.js";
import type { FakeDingTalkStream } from "../fakes/dingtalk-stream.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { dataWorksOnRedis } from "../helpers/dataworks-on-redis.js";
import { startDingTalkBot, startDingTalkFakes } from "../helpers/dingtalk-harness.js";
import { failedInstance, incidentConfig } from "../helpers/incident-config.js";
import { sleep, waitFor } from "../helpers/wait.js";

// Long enough for the failure to be posted and acknowledged first on a busy machine.
const AFTER_MS = 2500;
let nextInstance = 740_000_000_000 + Math.floor(Math.random() * 1_000_000) * 100;

/** incidentConfig's failures route, escalating after AFTER_MS (once) to `mention`. */
function escalating(base: ReturnType<typeof incidentConfig>, mention: Record<string, unknown>) {
  const [route] = base.routes;
  return { ...base, routes: [{ ...route, escalate: { after: `${AFTER_MS}ms`, mention } }] };
}

/** A failed instance of a node of its own (so no other failure's message is followed). */
function failure() {
  const n = nextInstance++;
  return { n, id: String(n), ev: failedInstance(n, 700_001_250_000 + (n % 100_000)) };
}

describe("escalation on the console", () => {
  const AK = "LTAI-escalation-console";
  const { dw } = dataWorksOnRedis(AK, "escalation-console-secret");
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startTestBot(
      {
        destinations: { console: { platform: "console", locale: "zh-CN" } },
        ...escalating(
          incidentConfig(dw, { accessKeyId: AK, accessKeySecret: "escalation-console-secret" }, ["console"], {
            operators: { console: ["wang"] },
            leads: { console: ["lead"] },
          }),
          { users: { console: ["lead"] } },
        ),
      },
      { adapterDeps: { console: { print: () => undefined } } },
    );
  });
  afterAll(async () => {
    await bot?.close();
  });

  interface FeedEntry {
    kind: string;
    op?: string;
    message?: { title: string; kind?: string; mentions?: unknown[]; context?: string[] };
  }
  const sendsOf = async (id: string) => {
    const { entries } = (await (await fetch(`${bot.url}/console/api/feed`)).json()) as { entries: FeedEntry[] };
    return entries.filter((e) => e.kind === "message" && e.op === "send" && JSON.stringify(e.message).includes(id));
  };
  const escalationsOf = async (id: string) =>
    (await sendsOf(id)).filter((e) => e.message?.kind !== "instance-status-changes");

  it("fires once after the delay for a failure nobody acknowledged; not for one acknowledged on the console", async () => {
    const open = failure();
    const acked = failure();
    const posted = Date.now();
    await bot.post(open.ev);
    await bot.post(acked.ev);
    await waitFor(async () => (await sendsOf(acked.id)).length === 1, "the failure on the page");
    const ack = await waitFor(async () => {
      const res = await fetch(`${bot.url}/console/api/action`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ actionId: "incident.ack", value: acked.id, user: "wang", destination: "console" }),
      });
      const r = (await res.json()) as { ok: boolean; text: string };
      return r.ok ? r : undefined;
    }, "the ack");
    expect(ack.text).toContain("已认领");
    expect(Date.now() - posted).toBeLessThan(AFTER_MS); // acknowledged before the escalation was due
    const [first] = await waitFor(
      async () => {
        const e = await escalationsOf(open.id);
        return e.length > 0 ? e : undefined;
      },
      "the escalation",
      6000,
    );
    expect(Date.now() - posted).toBeGreaterThanOrEqual(AFTER_MS);
    // In the destination's language, naming the instance, mentioning the lead.
    expect(first?.message).toMatchObject({
      kind: "escalation:instance-status-changes",
      title: expect.stringContaining("尚无人认领"),
      mentions: [{ userId: "lead" }],
      context: ["第 1 次升级（共 1 次）"],
    });
    await sleep(AFTER_MS + 500);
    expect(await escalationsOf(open.id)).toHaveLength(1);
    expect(await escalationsOf(acked.id)).toHaveLength(0);
  });
});

describe("escalation in a DingTalk app chat (interactive cards)", () => {
  const APP = { clientId: "dingescalationcard01", clientSecret: "dingtalk-escalation-card-secret" };
  const CID = "cidEscalationCard==";
  const AK = "LTAI-escalation-ding";
  const { dw } = dataWorksOnRedis(AK, "escalation-ding-secret");
  let ding: FakeDingTalk;
  let gateway: FakeDingTalkStream;
  let bot: TestBot;

  beforeAll(async () => {
    ({ ding, gateway } = await startDingTalkFakes(APP, {
      conversations: [CID],
      users: { staff_wang: "王芳", staff_lead: "李雷" },
    }));
    bot = await startDingTalkBot(
      { ...APP, cardTemplateId: "tpl-incident.schema", corpId: "ding-corp" },
      { ding, gateway },
      {
        destinations: { ops: { platform: "dingtalk", conversationId: CID } },
        ...escalating(
          incidentConfig(dw, { accessKeyId: AK, accessKeySecret: "escalation-ding-secret" }, ["ops"], {
            operators: { dingtalk: ["staff_wang"] },
            leads: { dingtalk: ["staff_lead"] },
          }),
          { users: { dingtalk: ["staff_lead"] } },
        ),
      },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([ding?.stop(), gateway?.stop()]);
  });

  const cardOf = (id: string) =>
    waitFor(
      () => ding.cards.find((c) => c.openSpaceId.endsWith(CID) && c.cardParamMap.actionValue === id),
      "the failure card with its buttons",
    );
  /** What reached the chat about the instance besides its failure card. */
  const escalationsOf = (id: string) => [
    ...ding.cards.filter((c) => c.cardParamMap.actionValue !== id && JSON.stringify(c.cardParamMap).includes(id)),
    ...ding.messages.filter((m) => JSON.stringify(m).includes(id)),
  ];

  it("fires once after the delay for a failure nobody acknowledged; not for one acknowledged from its card", async () => {
    const open = failure();
    const acked = failure();
    const posted = Date.now();
    await bot.post(open.ev);
    await bot.post(acked.ev);
    const card = await cardOf(acked.id);
    await cardOf(open.id);
    const ack = await gateway.push(TOPIC_CARD, {
      outTrackId: card.outTrackId,
      corpId: "ding-corp",
      userId: "staff_wang",
      userIdType: 1,
      type: "actionCallback",
      spaceType: "IM_GROUP",
      spaceId: CID,
      content: JSON.stringify({ cardPrivateData: { actionIds: ["incident.ack"], params: { value: acked.id } } }),
    });
    expect(ack.data).toContain("You are on it");
    expect(Date.now() - posted).toBeLessThan(AFTER_MS);
    const [first] = await waitFor(
      () => {
        const e = escalationsOf(open.id);
        return e.length > 0 ? e : undefined;
      },
      "the escalation",
      6000,
    );
    expect(Date.now() - posted).toBeGreaterThanOrEqual(AFTER_MS);
    // A message in the app chat (the app's group message API), mentioning the lead.
    expect(first).toMatchObject({ to: CID, title: expect.stringContaining("nobody has acknowledged it") });
    expect(JSON.stringify(first)).toContain("@staff_lead");
    expect(JSON.stringify(first)).toContain("Escalation 1 of 1");
    await sleep(AFTER_MS + 500);
    expect(escalationsOf(open.id)).toHaveLength(1);
    expect(escalationsOf(acked.id)).toHaveLength(0);
  });
});
