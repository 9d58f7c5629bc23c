/**
 * Benchmark 6: a stream of mostly filtered events, as a large tenant's midnight schedule sends them: 90 % are
 * `instance-status-changes` with status 4 (running), which the default `instanceStatuses` ([failed]) drops (stored
 * and counted, not sent), 10 % are failures delivered to the fake Slack (limits and digests off, 500 nodes). Timed
 * until every event's job completed and every failure's message arrived; then an all-delivered stream (the e2e
 * bench's) of the same size in the same run, for the cost of a filtered event against a delivered one.
 * A filtered event is processed once it is counted (HGETALL <prefix>:notify:filtered), with or without a job.
 *   npm run bench:filtered   (EVENTS=5000 RUNS=2; BENCH_ROOTS=/a,/b runs each checkout's bot in turn, interleaved;
 *   FAILURE_EVERY=0 every event filtered; DELIVERED=0 without the all-delivered stream)
 */
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { runE2e } from "./e2e-run.js";
import { deletePrefix, fixture, fmt, load, load1, procStats, REDIS_URL, ROOT, startSlackBench, TOKEN } from "./lib.js";

const events = Number(process.env.EVENTS ?? 5000);
const runs = Number(process.env.RUNS ?? 2);
/** One failure every FAILURE_EVERY events (10: 90 % filtered); 0: every event filtered, for a filtered one's own cost. */
const failureEvery = Number(process.env.FAILURE_EVERY ?? 10);
const share = failureEvery > 0 ? `${fmt(100 - 100 / failureEvery, 0)} %` : "100 %";

async function runFiltered(root: string) {
  const { slack, bot, prefix } = await startSlackBench("filtered", { root });
  const pid = bot.child.pid as number;
  await new Promise((r) => setTimeout(r, 1000));
  const idle = procStats(pid);
  const base = fixture("instance-status-changes");
  let i = 0;
  let failures = 0;
  const body = () => {
    const failed = failureEvery > 0 && i++ % failureEvery === 0;
    if (failureEvery === 0) i++;
    if (failed) failures++;
    // Each event its own instance (taskId): a failure opens its own incident, as a schedule's failures do.
    const data = {
      ...(base.data as object),
      status: failed ? 5 : 4,
      nodeId: 700000000000 + (i % 500),
      taskId: 800000000000 + i,
    };
    return JSON.stringify({ ...base, id: randomUUID(), data });
  };
  const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue("events", { connection: conn, prefix });
  const t0 = performance.now();
  let sent = 0;
  while (sent < events) {
    const r = await load(bot.url, "/dataworks/events", body, {
      connections: 16,
      seconds: 0.5,
      headers: { "x-eventbridge-signature-token": TOKEN },
    });
    if (r.errors) throw new Error(`${r.errors} events refused`);
    sent += r.requests;
  }
  // Every running event counted as filtered, every failure sent, and no events job left to finish.
  const filtered = async () => Number((await conn.hget(`${prefix}:notify:filtered`, "instance-status-changes")) ?? 0);
  const unfinished = async () =>
    Object.values(await queue.getJobCounts("waiting", "active", "delayed", "prioritized")).reduce((a, b) => a + b, 0);
  const deadline = performance.now() + 300_000;
  while ((await filtered()) < sent - failures || slack.messages.length < failures || (await unfinished()) > 0) {
    if (performance.now() > deadline)
      throw new Error(
        `after 300 s: ${await filtered()} of ${sent - failures} filtered, ${slack.messages.length} of ${failures} sent`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - t0) / 1000;
  const done = procStats(pid);
  await queue.close();
  conn.disconnect();
  await bot.stop();
  await slack.stop();
  await deletePrefix(prefix);
  return {
    sent,
    delivered: slack.messages.length,
    seconds,
    perSecond: sent / seconds,
    cpuMsPerEvent: (done.cpuMs - idle.cpuMs) / sent,
    peakRssMiB: done.peakRssMiB,
  };
}

const lines = [
  `filtered stream ${new Date().toISOString()}, ${events} events per stream, load average ${fmt(load1(), 2)} at the start`,
  "| run | stream | events | messages | all processed after | events/s | bot CPU ms/event | bot peak RSS |",
  "|---|---|---|---|---|---|---|---|",
];
const roots = process.env.BENCH_ROOTS ? process.env.BENCH_ROOTS.split(",") : [ROOT];
for (let run = 1; run <= runs; run++) {
  for (const root of roots) {
    const which = roots.length > 1 ? ` (${root})` : "";
    const f = await runFiltered(root);
    lines.push(
      `| ${run} | ${share} filtered (status running), the rest failures delivered${which} | ${f.sent} | ${f.delivered} | ${fmt(f.seconds)} s | **${fmt(f.perSecond, 0)}** | ${fmt(f.cpuMsPerEvent, 2)} | ${fmt(f.peakRssMiB, 0)} MiB |`,
    );
    if (process.env.DELIVERED === "0") continue;
    const d = await runE2e(events, { root });
    lines.push(
      `| ${run} | all delivered (kill-instance)${which} | ${d.sent} | ${d.delivered} | ${fmt(d.seconds)} s | **${fmt(d.perSecond, 0)}** | ${fmt(d.cpuMsPerEvent, 2)} | ${fmt(d.peakRssMiB, 0)} MiB |`,
    );
  }
}
lines.push(`load average ${fmt(load1(), 2)} at the end`, "");
process.stdout.write(lines.join("\n"));
