/**
 * One end-to-end run (shared by bench/e2e.ts and bench/alertmanager.ts): a bot with HTTP and workers, rate limits
 * and digests off, `events` posted over HTTP (16 connections), timed until the fake Slack has every message.
 */
import { deletePrefix, eventBody, load, procStats, redisCpuMs, selfCpuMs, startSlackBench, TOKEN } from "./lib.js";

export interface E2eResult {
  sent: number;
  delivered: number;
  ingestSeconds: number;
  seconds: number;
  perSecond: number;
  /** The bot's RSS once started, before any event. */
  idleRssMiB: number;
  peakRssMiB: number;
  /** The bot's CPU (user + system) per delivered event, start-up excluded. */
  cpuMsPerEvent: number;
  /** Redis' CPU per event over the same span (it shares the cores). */
  redisCpuMsPerEvent: number;
  /** The bench process' CPU per event: the load generator and the fake Slack. */
  benchCpuMsPerEvent: number;
  /** Peaks of the bot's memoryUsage() (MiB), sampled every second. */
  peak: { heapUsed: number; heapTotal: number; external: number };
}

export async function runE2e(
  events: number,
  o: { root?: string; concurrency?: number; nodeOptions?: string[] } = {},
): Promise<E2eResult> {
  const { slack, bot, prefix } = await startSlackBench("e2e", o);
  const pid = bot.child.pid as number;
  // The bot prints its memoryUsage() every second: the peaks say whether the V8 heap or memory outside it grew.
  const peak = { heapUsed: 0, heapTotal: 0, external: 0 };
  bot.child.stdout?.on("data", (b: Buffer) => {
    for (const m of b.toString().matchAll(/heapUsed (\d+) heapTotal (\d+) external (\d+)/g)) {
      peak.heapUsed = Math.max(peak.heapUsed, Number(m[1]) / 1048576);
      peak.heapTotal = Math.max(peak.heapTotal, Number(m[2]) / 1048576);
      peak.external = Math.max(peak.external, Number(m[3]) / 1048576);
    }
  });
  await new Promise((r) => setTimeout(r, 1000)); // settle: workers connected, start-up garbage collected
  const idle = procStats(pid);
  const [redis0, self0] = [await redisCpuMs(), selfCpuMs()];
  const body = eventBody("kill-instance");
  const t0 = performance.now();
  let sent = 0;
  while (sent < events) {
    const r = await load(bot.url, "/dataworks/events", body, {
      connections: 16,
      seconds: 0.5,
      headers: { "x-eventbridge-signature-token": TOKEN },
    });
    sent += r.requests;
  }
  const ingestSeconds = (performance.now() - t0) / 1000;
  while (slack.messages.length < sent) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const done = procStats(pid);
  const [redis1, self1] = [await redisCpuMs(), selfCpuMs()];
  await bot.stop();
  const delivered = slack.messages.length;
  await slack.stop();
  await deletePrefix(prefix);
  return {
    sent,
    delivered,
    ingestSeconds,
    seconds,
    perSecond: sent / seconds,
    idleRssMiB: idle.rssMiB,
    peakRssMiB: done.peakRssMiB,
    cpuMsPerEvent: (done.cpuMs - idle.cpuMs) / sent,
    redisCpuMsPerEvent: (redis1 - redis0) / sent,
    benchCpuMsPerEvent: (self1 - self0) / sent,
    peak,
  };
}
