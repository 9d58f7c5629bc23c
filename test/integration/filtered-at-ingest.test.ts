/**
 * Filtered events without a job (src/ingest/filtered-at-ingest.ts), through the real HTTP route, BullMQ and Redis: an
 * event the notify filter drops for certain is recorded, counted and deduplicated by the ingest request, no events
 * job; a later status of a failure still waiting in the events queue is queued all the same, and follows it.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { failingKey } from "../../src/ingest/filtered-at-ingest.js";
import { IncidentStore } from "../../src/incidents/store.js";
import { createLogger, type Logger } from "../../src/logger.js";
import { filteredKey } from "../../src/notify/notify-filter.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { FAILED_AT, instanceEvents, MIN } from "../helpers/instance-events.js";
import { TEST_REDIS_URL } from "../helpers/redis.js";
import { sleep, waitFor } from "../helpers/wait.js";

const SLACK_TOKEN = "xoxb-filtered-at-ingest";
let nodeSeq = 700_019_870_000;
const instance = () => instanceEvents(++nodeSeq);

describe("filtered events without a job (real HTTP route, BullMQ, Redis; workers started when a test says so)", () => {
  let slack: FakeSlack;
  let redis: Redis;
  const bots: TestBot[] = [];
  const raw = () => ({
    slack: { token: SLACK_TOKEN, apiUrl: slack.apiUrl },
    destinations: { ops: { platform: "slack", channel: "C0FILT" } },
    routes: [{ destinations: ["ops"] }],
  });
  /** The ingest process alone: whatever it queues waits in the events queue. */
  const httpOnly = async (logger?: Logger) => {
    const bot = await startTestBot(raw(), { workers: false, ...(logger ? { logger } : {}) });
    bots.push(bot);
    return bot;
  };
  /** The workers of the same bot (same prefix), started later. */
  const workersOf = async (http: TestBot) => {
    const bot = await startTestBot(raw(), { http: false, prefix: http.prefix, keepKeys: true });
    bots.push(bot);
    return bot;
  };
  const eventJobs = async (bot: TestBot) => {
    const q = new Queue("events", { connection: redis, prefix: bot.prefix });
    const counts = await q.getJobCounts("waiting", "active", "completed", "failed", "delayed", "prioritized");
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };
  const post = async (bot: TestBot, body: unknown) => {
    const res = await bot.post(body);
    expect(res.status).toBe(202);
    return (await res.json()) as { accepted: number; duplicates: number };
  };
  const slackOf = (nodeId: number) => slack.messages.filter((m) => JSON.stringify(m.blocks).includes(String(nodeId)));

  beforeAll(async () => {
    slack = new FakeSlack({ token: SLACK_TOKEN, channels: ["C0FILT"] });
    await slack.start();
    redis = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    for (const b of bots.splice(0).reverse()) await b.close();
  });
  afterAll(async () => {
    redis.disconnect();
    await slack?.stop();
  });

  it("a filtered event creates no job: recorded (recent), counted, logged as filtered, deduplicated", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const bot = await httpOnly(
      createLogger("info", { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }),
    );
    const i = instance();
    const running = i.running();
    const waiting = i.waiting();
    expect(await post(bot, running)).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await post(bot, [waiting, waiting])).toMatchObject({ accepted: 1, duplicates: 1 });
    expect(await post(bot, running)).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await eventJobs(bot)).toBe(0);
    // What the events worker would have left: the recent events and the filtered counter.
    expect((await bot.runtime.recent.get(running.id))?.event.data.status).toBe(4);
    expect((await bot.runtime.recent.list(10)).map((s) => s.event.id).sort()).toEqual([running.id, waiting.id].sort());
    expect(await redis.hgetall(filteredKey(bot.prefix))).toEqual({ "instance-status-changes": "2" });
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    expect(metrics).toContain('dwc_events_received_total{outcome="accepted"} 2');
    expect(metrics).toContain('dwc_events_received_total{outcome="duplicate"} 2');
    const logged = lines.filter((l) => l.msg === "filtered by notifications; event stored but not sent");
    expect(logged.map((l) => [l.eventId, l.reason])).toEqual([
      [running.id, "status-off:4"],
      [waiting.id, "status-off:2"],
    ]);
  });

  it("the same filtered event ×50 at once: one accepted, 49 duplicates, counted once", async () => {
    const bot = await httpOnly();
    const running = instance().running();
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(bot, running)));
    expect(answers.reduce((n, a) => n + a.accepted, 0)).toBe(1);
    expect(answers.reduce((n, a) => n + a.duplicates, 0)).toBe(49);
    expect(await redis.hgetall(filteredKey(bot.prefix))).toEqual({ "instance-status-changes": "1" });
    expect(await eventJobs(bot)).toBe(0);
  });

  it("a failure, and the other events, are queued as before", async () => {
    const bot = await httpOnly();
    const i = instance();
    expect(await post(bot, [i.failed(), freshEvent("kill-instance")])).toMatchObject({ accepted: 2 });
    expect(await eventJobs(bot)).toBe(2);
  });

  it("a running and a success of an instance whose failure still waits in the events queue are queued and follow it", async () => {
    const http = await httpOnly();
    const i = instance();
    await post(http, i.failed());
    // The failure is not remembered yet (no worker has run): only its mark at ingest says it is on its way.
    expect(await redis.get(`${http.prefix}:notify:failed:${i.nodeId}`)).toBeNull();
    await post(http, i.running());
    await post(http, i.succeeded());
    // Another instance of the node running is not this failure's story: filtered at ingest.
    await post(http, { ...i.running(), data: { ...i.running().data, taskId: i.taskId + 1 } });
    expect(await eventJobs(http)).toBe(3);

    const workers = await workersOf(http);
    const [msg] = await waitFor(async () => {
      const m = slackOf(i.nodeId);
      return m.length === 1 && m[0]!.updates >= 2 ? m : undefined;
    }, "the failure's message, updated by the running and the recovery");
    expect(JSON.stringify(msg!.blocks)).toContain("Recovered");
    const incident = await new IncidentStore(workers.runtime.redis, http.prefix, 86_400_000).get(String(i.taskId));
    expect(incident?.state).toBe("recovered");
    expect(incident?.timeline.map((t) => t.kind)).toEqual(expect.arrayContaining(["running", "succeeded"]));
  });

  it("one outcome per event whichever path each copy takes (same BullMQ deduplication key)", async () => {
    const http = await httpOnly();
    const i = instance();
    // Filtered first, then the same event while its instance's failure is queued: BullMQ's add finds the key.
    const running = i.running();
    await post(http, running);
    await post(http, i.failed());
    expect(await post(http, running)).toMatchObject({ accepted: 0, duplicates: 1 });
    // Queued first (the failure is on its way), then the same event filtered: the script finds BullMQ's key.
    const again = i.running(FAILED_AT + 4 * MIN);
    expect(await post(http, again)).toMatchObject({ accepted: 1 });
    await redis.del(failingKey(http.prefix, String(i.nodeId)));
    expect(await post(http, again)).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await eventJobs(http)).toBe(2);
    expect(await redis.hgetall(filteredKey(http.prefix))).toEqual({ "instance-status-changes": "1" });
  });

  it("a success of a node whose failure was remembered (workers ran) is its recovery; a later one is filtered", async () => {
    const http = await httpOnly();
    await workersOf(http);
    const i = instance();
    await post(http, i.failed());
    const [msg] = await waitFor(async () => {
      const m = slackOf(i.nodeId);
      return m.length === 1 ? m : undefined;
    }, "the failure message");
    // The ingest mark kept aside: what the tracker remembers is enough to queue the recovery.
    await redis.del(failingKey(http.prefix, String(i.nodeId)));
    await post(http, i.succeeded());
    await waitFor(() => msg!.updates === 1, "the recovery's update");
    const before = await eventJobs(http);
    await post(http, i.succeeded(FAILED_AT + 3 * MIN, FAILED_AT + 60 * MIN));
    await sleep(200);
    expect(await eventJobs(http)).toBe(before);
  });
});
