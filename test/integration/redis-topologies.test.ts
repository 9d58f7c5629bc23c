/**
 * Any Redis: the bot on a real 3-master Redis Cluster and on a real Sentinel set-up, both started here on free
 * ports. Events reach a fake Slack, an approval is decided, every key (BullMQ's too) is under the one hash-tagged
 * prefix, and a Sentinel failover loses no event the bot acknowledged.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalDecision, localDecisionSender } from "../../src/approvals/local-decision-sender.js";
import { createLogger } from "../../src/logger.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { RedisClusterSet, RedisSentinelSet } from "../helpers/redis-topologies.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-topologies";
const CHANNEL = "C0TOPO";
const APPROVER = "U0APPROVER";

function botConfig(slack: FakeSlack) {
  return {
    slack: { token: TOKEN, signingSecret: "topologies-signing-secret", apiUrl: slack.apiUrl },
    dataworks: { extensionCode: "ext-test" },
    destinations: { ops: { platform: "slack", channel: CHANNEL } },
    routes: [{ name: "all", destinations: ["ops"] }],
    approvals: { routes: [{ name: "deploys", destinations: ["ops"], approvers: { users: { slack: [APPROVER] } } }] },
  };
}

const posted = (slack: FakeSlack, eventId: string) =>
  slack.messages.filter((m) => JSON.stringify(m.blocks).includes(eventId)).length;

/** Events to Slack and an approval decided and returned once: the same on every topology. */
async function eventsAndApproval(bot: TestBot, slack: FakeSlack, sent: LocalDecision[]) {
  const events = [freshEvent("instance-status-changes"), freshEvent("commit-file"), freshEvent("deploy-table")];
  for (const ev of events) expect((await bot.post(ev)).status).toBe(202);
  await waitFor(() => events.every((ev) => posted(slack, String(ev.id)) > 0), "the 3 messages", 30_000);
  // A running instance is filtered by the ingest request's own script (src/ingest/filtered-at-ingest.ts), which
  // reads and writes several keys: one slot on a cluster.
  const base = freshEvent("instance-status-changes");
  const running = { ...base, id: String(base.id), data: { ...(base.data as object), status: 4, taskId: 1 } };
  expect(await (await bot.post(running)).json()).toMatchObject({ accepted: 1 });
  expect((await bot.runtime.recent.get(running.id))?.event.data.status).toBe(4);

  const ev = freshEvent("deploy-file");
  expect((await bot.post(ev)).status).toBe(202);
  const id = String(await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) }));
  await waitFor(() => posted(slack, id) > 0, "the approval card", 30_000);
  const reply = await bot.runtime.approvals.handleAction(
    { id: `click-${id}`, adapter: "slack", actionId: "approval.approve", value: id, user: { id: APPROVER } },
    "en",
  );
  expect(reply.ok).toBe(true);
  await waitFor(() => sent.some((d) => d.messageId === ev.id), "the decision returned", 30_000);
  expect(sent.filter((d) => d.messageId === ev.id)).toMatchObject([{ checkResult: "OK" }]);
  expect((await bot.runtime.approvalStore.get(id))?.state).toBe("approved");
}

/** The topology, a fake Slack and a bot on them for the tests of one describe block. */
function onTopology(topology: { url: string; start(): Promise<void>; destroy(): Promise<void> }) {
  const t = { sent: [] as LocalDecision[] } as { slack: FakeSlack; bot: TestBot; sent: LocalDecision[] };
  beforeAll(async () => {
    await topology.start();
    t.slack = new FakeSlack({ token: TOKEN, channels: [CHANNEL] });
    await t.slack.start();
    t.bot = await startTestBot(botConfig(t.slack), {
      redisUrl: topology.url,
      keepKeys: true,
      decisionSender: localDecisionSender(createLogger("silent"), t.sent),
    });
  }, 90_000);
  afterAll(async () => {
    await t.bot?.close();
    await t.slack?.stop();
    await topology.destroy();
  }, 60_000);
  return t;
}

describe("Redis Cluster (3 masters)", () => {
  const cluster = new RedisClusterSet();
  const t = onTopology(cluster);

  it("delivers events and decides an approval", async () => {
    await eventsAndApproval(t.bot, t.slack, t.sent);
  }, 90_000);

  it("keeps every key, BullMQ's included, under {prefix}: one slot, one master", async () => {
    const owners = new Map<number, string[]>();
    for (const node of cluster.nodes) {
      const r = new Redis(node.port, "127.0.0.1");
      try {
        owners.set(node.port, await r.keys("*"));
      } finally {
        r.disconnect();
      }
    }
    const all = [...owners.values()].flat();
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((k) => !k.startsWith(`{${t.bot.prefix}}:`))).toEqual([]);
    expect(all).toContain(`{${t.bot.prefix}}:events:meta`);
    expect(all.some((k) => k.startsWith(`{${t.bot.prefix}}:approval:`))).toBe(true);
    const holding = [...owners].filter(([, keys]) => keys.length > 0).map(([port]) => port);
    expect(holding).toEqual([await cluster.ownerOf(`{${t.bot.prefix}}:x`)]);
  });

  it("is not ready while the master of its slot is down, though the other masters answer PING", async () => {
    expect((await fetch(`${t.bot.url}/readyz`)).status).toBe(200);
    const owner = await cluster.ownerOf(`{${t.bot.prefix}}:x`);
    const node = cluster.nodes.find((n) => n.port === owner);
    await node?.kill();
    const readyz = async () => {
      const res = await fetch(`${t.bot.url}/readyz`);
      return { status: res.status, body: await res.text() };
    };
    await waitFor(async () => (await readyz()).status === 503, "/readyz 503", 10_000);
    // Several in a row: a PING would reach one of the two live masters at random and answer 200.
    for (let i = 0; i < 5; i++) expect(await readyz()).toMatchObject({ status: 503 });
    // Back (same port and nodes.conf): the master rejoins with its slots and readiness returns.
    await node?.start();
    await waitFor(async () => (await readyz()).status === 200, "/readyz 200 again", 30_000);
    const ev = freshEvent("instance-status-changes");
    expect((await t.bot.post(ev)).status).toBe(202);
    await waitFor(() => posted(t.slack, String(ev.id)) > 0, "an event delivered after the master's return", 30_000);
  }, 60_000);
});

describe("Redis Sentinel (master, replica, 3 Sentinels)", () => {
  const set = new RedisSentinelSet();
  const t = onTopology(set);

  it("delivers events and decides an approval", async () => {
    await eventsAndApproval(t.bot, t.slack, t.sent);
  }, 90_000);

  it("a failover loses no event the bot acknowledged, and a pending approval is decided after it", async () => {
    const approvalEvent = freshEvent("deploy-file");
    expect((await t.bot.post(approvalEvent)).status).toBe(202);
    const approvalId = String(
      await t.bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(approvalEvent.id) }),
    );
    await waitFor(() => posted(t.slack, approvalId) > 0, "the approval card", 30_000);

    const oldMaster = set.master.port;
    // The master goes away (a planned stop: Redis 7 hands its last writes to the replica first).
    await eventsThrough(t, async () => {
      await set.master.stop();
      await waitFor(() => set.sentinelsAgreeing(set.replica.port), "the Sentinels to promote the replica", 60_000);
    });
    expect(await set.masterPort()).not.toBe(oldMaster);
    const reply = await t.bot.runtime.approvals.handleAction(
      {
        id: `click-${approvalId}`,
        adapter: "slack",
        actionId: "approval.block",
        value: approvalId,
        user: { id: APPROVER },
        input: "frozen during the failover drill",
      },
      "en",
    );
    expect(reply, reply.text).toMatchObject({ ok: true });
    await waitFor(() => t.sent.some((d) => d.messageId === approvalEvent.id), "the decision returned", 30_000);
    expect(t.sent.filter((d) => d.messageId === approvalEvent.id)).toMatchObject([{ checkResult: "FAIL" }]);
  }, 180_000);

  it("SENTINEL FAILOVER (a switchover) loses no event the bot acknowledged", async () => {
    // The old master back: the Sentinels make it a replica of the new one; then it is switched back over.
    await set.master.start();
    await waitFor(
      async () => /master_link_status:up/.test(await infoOf(set.master.port)),
      "the old master in sync as a replica",
      30_000,
    );
    await eventsThrough(t, async () => {
      await set.failover();
      await waitFor(
        () => set.sentinelsAgreeing(set.master.port),
        "the Sentinels to name the first master again",
        60_000,
      );
    });
  }, 180_000);
});

async function infoOf(port: number): Promise<string> {
  const r = new Redis(port, "127.0.0.1");
  try {
    return await r.info("replication");
  } finally {
    r.disconnect();
  }
}

/**
 * EventBridge's side of a failover: a stream of events posted before, during and after `failover`, each posted
 * again until it is answered 202 (as EventBridge retries). Every event answered 202 must reach Slack.
 */
async function eventsThrough(t: { bot: TestBot; slack: FakeSlack }, failover: () => Promise<void>) {
  const acknowledged: string[] = [];
  let refused = 0;
  let stop = false;
  const stream = (async () => {
    for (let i = 0; !stop || i < 40; i++) {
      const ev = freshEvent("instance-status-changes");
      for (;;) {
        const res = await t.bot.post(ev).catch(() => undefined);
        if (res?.status === 202) break;
        refused++;
        await sleep(200);
      }
      acknowledged.push(String(ev.id));
      await sleep(20);
    }
  })();
  await waitFor(() => acknowledged.length >= 10, "10 events before the failover", 30_000);
  await failover();
  const after = acknowledged.length;
  await waitFor(() => acknowledged.length >= after + 10, "10 events after the failover", 60_000);
  stop = true;
  await stream;
  await waitFor(
    () => acknowledged.every((id) => posted(t.slack, id) > 0),
    () => `every acknowledged event in Slack; missing: ${acknowledged.filter((id) => !posted(t.slack, id)).join(", ")}`,
    60_000,
  );
  // Reported, not asserted: how many posts had to be repeated while there was no master.
  console.info(`failover: ${acknowledged.length} events acknowledged, ${refused} refusals retried`);
}
