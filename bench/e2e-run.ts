/**
 * One end-to-end run (shared by bench/e2e.ts and bench/alertmanager.ts): a bot with HTTP and workers, rate limits
 * and digests off, `events` posted over HTTP (16 connections), timed until the fake Slack has every message. The
 * events are kill-instance, or with E2E_EVENT=failed instance failures, each its own node and instance (an incident
 * and its message each).
 */
import { randomUUID } from "node:crypto";
import {
  deletePrefix,
  fixture,
  hasWrk,
  type LoadResult,
  load,
  procStats,
  redisCpuMs,
  selfCpuMs,
  childrenCpuMs,
  startRelayBench,
  startSlackBench,
  settledCount,
  TOKEN,
  wrkLoadAsync,
} from "./lib.js";

export interface E2eResult {
  /** Events the bot accepted (its own counter: wrk may cut off requests in flight that the bot still took). */
  sent: number;
  /** What generated the load: wrk when installed (the generator), else an undici Pool in this process. */
  generator: "wrk" | "undici";
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
  /** The bench process' CPU per event and its wrk runs': the load generator and the fake Slack. */
  benchCpuMsPerEvent: number;
  /** Peaks of the bot's memoryUsage() (MiB), sampled every second. */
  peak: { heapUsed: number; heapTotal: number; external: number };
}

export async function runE2e(
  events: number,
  o: { root?: string; concurrency?: number; nodeOptions?: string[]; relay?: "job" | "inline" } = {},
): Promise<E2eResult> {
  const { slack, bot, prefix } = o.relay ? await startRelayBench(o) : await startSlackBench("e2e", o);
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
  const [redis0, self0] = [await redisCpuMs(), selfCpuMs() + childrenCpuMs()];
  const headers = { "x-eventbridge-signature-token": TOKEN };
  const path = "/dataworks/events";
  const generator = hasWrk() ? "wrk" : "undici";
  const mark = randomUUID();
  const failed = process.env.E2E_EVENT === "failed";
  const base = fixture(failed ? "instance-status-changes" : "kill-instance");
  const of = (id: string) =>
    failed ? { ...base, id, data: { ...(base.data as object), status: 5, nodeId: id, taskId: id } } : { ...base, id };
  const template = JSON.stringify(of(mark));
  const body = () => JSON.stringify(of(randomUUID()));
  const post = (): Promise<LoadResult> =>
    generator === "wrk"
      ? wrkLoadAsync(bot.url, path, template, mark, { connections: 16, seconds: 1, headers })
      : load(bot.url, path, body, { connections: 16, seconds: 0.5, headers });
  const t0 = performance.now();
  let posted = 0;
  while (posted < events) posted += (await post()).requests;
  const sent = await settledCount(bot.url, "/metrics", /^dwc_events_received_total\{outcome="accepted"\} (\d+)/m);
  const ingestSeconds = (performance.now() - t0) / 1000;
  while (slack.messages.length < sent) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const done = procStats(pid);
  const [redis1, self1] = [await redisCpuMs(), selfCpuMs() + childrenCpuMs()];
  await bot.stop();
  const delivered = slack.messages.length;
  await slack.stop();
  await deletePrefix(prefix);
  return {
    sent,
    generator,
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
