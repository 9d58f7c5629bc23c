/**
 * Rolling upgrades: old and new releases side by side on one Redis. Jobs are written here as an older release
 * (no format) and as the next one (format JOB_FORMAT + 1) would write them. The older job is handled; the newer one
 * is left intact — delayed again, no attempt used, never failed — logged once, reported on /readyz and in
 * /metrics, until a process of the newer release (formats raised) runs it. A Redis state of a newer format makes a
 * process leave every job.
 */
import { Writable } from "node:stream";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DwEvent } from "../../src/core/event.js";
import { parseEnvelopes } from "../../src/dataworks/envelope.js";
import { JOB_FORMAT, STATE_FORMAT, stateFormatKey } from "../../src/jobs/format-version.js";
import { QUEUES } from "../../src/jobs/queues.js";
import { createLogger } from "../../src/logger.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-formats";
const CHANNEL = "C0FORMAT";
const NEXT = JOB_FORMAT + 1;

function event(): DwEvent {
  const r = parseEnvelopes(freshEvent("instance-status-changes"));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.events[0] as DwEvent;
}

/** Log lines of one bot, parsed. */
function logSink() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, logger: createLogger("info", stream) };
}

describe("job and state formats", () => {
  let slack: FakeSlack;
  const redis = new Redis(TEST_REDIS_URL);
  const prefixes: string[] = [];
  const bots: TestBot[] = [];

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: [CHANNEL] });
    await slack.start();
  });
  afterAll(async () => {
    for (const b of bots.reverse()) await b.close();
    await slack?.stop();
    for (const p of prefixes) await deleteKeys(p);
    redis.disconnect();
  });

  const config = () => ({
    slack: { token: TOKEN, apiUrl: slack.apiUrl },
    destinations: { ops: { platform: "slack", channel: CHANNEL } },
    routes: [{ name: "all", destinations: ["ops"] }],
  });
  const start = async (prefix: string, opts: Parameters<typeof startTestBot>[1] = {}) => {
    const bot = await startTestBot(config(), { prefix, keepKeys: true, ...opts });
    bots.push(bot);
    return bot;
  };
  const posted = (e: DwEvent) => slack.messages.filter((m) => JSON.stringify(m.blocks).includes(e.id)).length;
  /** The events queue as another release sees it: jobs written with exactly the data given. */
  const rawQueue = (prefix: string) => new Queue(QUEUES.events, { connection: redis, prefix });

  it("stamps its own jobs and the Redis state with this release's formats", async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const bot = await start(prefix);
    const res = await bot.post(freshEvent("commit-file"));
    expect(await res.json()).toMatchObject({ accepted: 1 });
    const jobs = await bot.runtime.queues.events.getJobs(["completed", "active", "waiting"]);
    expect(jobs.map((j) => (j.data as { v?: number }).v)).toEqual([JOB_FORMAT]);
    expect(await redis.get(stateFormatKey(prefix))).toBe(String(STATE_FORMAT));
  });

  it("runs an older release's job; leaves the next release's job intact for a newer process, reporting it", async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const { lines, logger } = logSink();
    const old = await start(prefix, { logger });
    const queue = rawQueue(prefix);
    const older = event();
    const newer = event();
    try {
      await queue.add("event", { event: older, receivedAt: Date.now() }, { jobId: "e.older", attempts: 3 });
      await queue.add("event", { event: newer, receivedAt: Date.now(), v: NEXT }, { jobId: "e.newer", attempts: 3 });
      await waitFor(() => posted(older) > 0, "the older release's event delivered");

      // Left, twice at least (due again after LEAVE_FOR_NEWER_MS), never run, failed or spent.
      await waitFor(
        () => lines.filter((l) => l.queue === "events" && l.jobFormat === NEXT).length > 0,
        "the log line about the newer job",
      );
      await sleep(6_000);
      const job = await queue.getJob("e.newer");
      expect(job?.data).toEqual({ event: JSON.parse(JSON.stringify(newer)), receivedAt: expect.any(Number), v: NEXT });
      expect(await job?.getState()).toMatch(/^(delayed|waiting|prioritized)$/);
      expect(job?.attemptsMade).toBe(0);
      expect(posted(newer)).toBe(0);
      expect(lines.filter((l) => l.jobFormat === NEXT)).toHaveLength(1);

      const ready = await fetch(`${old.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        status: "not_ready",
        checks: {
          redis: true,
          format: expect.stringMatching(new RegExp(`format ${NEXT}, newer than .*\\(${JOB_FORMAT}\\)`)),
        },
      });
      const metrics = await (await fetch(`${old.url}/metrics`)).text();
      expect(metrics).toMatch(/^dwc_format_behind 1$/m);
      expect(metrics).toMatch(
        new RegExp(`^dwc_jobs_left_for_newer_total\\{queue="events",format="${NEXT}"\\} [1-9]`, "m"),
      );

      // The rollout goes on: the old process stops, one of the next release (it handles format NEXT) runs the job,
      // once. (While both run, whichever takes the job when it is due decides how soon; stopping the old one first
      // keeps this test's timing independent of that race.)
      await old.close();
      const next = await start(prefix, { http: false, formats: { job: NEXT, state: STATE_FORMAT } });
      expect(next.runtime.workers).toBeDefined();
      await waitFor(() => posted(newer) > 0, "the newer job run by the newer process", 30_000);
      expect(await (await queue.getJob("e.newer"))?.getState()).toBe("completed");
      expect(posted(newer)).toBe(1);
    } finally {
      await queue.close();
    }
  }, 60_000);

  it("a Redis state of a newer format: the process leaves every job and is not ready", async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    await redis.set(stateFormatKey(prefix), String(STATE_FORMAT + 1));
    const { lines, logger } = logSink();
    const old = await start(prefix, { logger });
    const queue = rawQueue(prefix);
    const e = event();
    try {
      await queue.add("event", { event: e, receivedAt: Date.now(), v: JOB_FORMAT }, { jobId: "e.current" });
      await waitFor(async () => (await queue.getJob("e.current"))?.getState().then((s) => s === "delayed"), "left");
      expect(posted(e)).toBe(0);
      expect(await redis.get(stateFormatKey(prefix))).toBe(String(STATE_FORMAT + 1));
      const ready = await fetch(`${old.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({
        checks: {
          format: `Redis state format ${STATE_FORMAT + 1} is newer than this release handles (${STATE_FORMAT}): upgrade`,
        },
      });
      expect(lines.filter((l) => l.stateFormat === STATE_FORMAT + 1)).toHaveLength(1);
    } finally {
      await queue.close();
    }
  }, 30_000);
});
