/**
 * Benchmark 6: a stream of mostly filtered events, as a large tenant's midnight schedule sends them: 90 % are
 * `instance-status-changes` with status 4 (running), which the default `instanceStatuses` ([failed]) drops (stored
 * and counted, not sent), 10 % are failures delivered to the fake Slack (limits and digests off, 500 nodes). Timed
 * until every event's job completed and every failure's message arrived; then an all-delivered stream (the e2e
 * bench's) of the same size in the same run, for the cost of a filtered event against a delivered one.
 *   npm run bench:filtered   (EVENTS=5000 RUNS=2)
 */
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { runE2e } from "./e2e-run.js";
import { deletePrefix, fixture, fmt, load, load1, procStats, REDIS_URL, startSlackBench, TOKEN } from "./lib.js";

const events = Number(process.env.EVENTS ?? 5000);
const runs = Number(process.env.RUNS ?? 2);

async function runFiltered() {
  const { slack, bot, prefix } = await startSlackBench("filtered");
  const pid = bot.child.pid as number;
  await new Promise((r) => setTimeout(r, 1000));
  const idle = procStats(pid);
  const base = fixture("instance-status-changes");
  let i = 0;
  let failures = 0;
  const body = () => {
    const failed = i++ % 10 === 0;
    if (failed) failures++;
    const data = { ...(base.data as object), status: failed ? 5 : 4, nodeId: 700000000000 + (i % 500) };
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
  const completed = async () => (await queue.getJobCounts("completed")).completed ?? 0;
  const deadline = performance.now() + 300_000;
  while ((await completed()) < sent || slack.messages.length < failures) {
    if (performance.now() > deadline)
      throw new Error(
        `after 300 s: ${await completed()} of ${sent} processed, ${slack.messages.length} of ${failures} sent`,
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
for (let run = 1; run <= runs; run++) {
  const f = await runFiltered();
  lines.push(
    `| ${run} | 90 % filtered (status running), 10 % failures delivered | ${f.sent} | ${f.delivered} | ${fmt(f.seconds)} s | **${fmt(f.perSecond, 0)}** | ${fmt(f.cpuMsPerEvent, 2)} | ${fmt(f.peakRssMiB, 0)} MiB |`,
  );
  const d = await runE2e(events);
  lines.push(
    `| ${run} | all delivered (kill-instance) | ${d.sent} | ${d.delivered} | ${fmt(d.seconds)} s | **${fmt(d.perSecond, 0)}** | ${fmt(d.cpuMsPerEvent, 2)} | ${fmt(d.peakRssMiB, 0)} MiB |`,
  );
}
lines.push(`load average ${fmt(load1(), 2)} at the end`, "");
process.stdout.write(lines.join("\n"));
