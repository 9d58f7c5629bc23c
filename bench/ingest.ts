/**
 * Benchmark 1: ingest throughput and latency of POST /dataworks/events against a bare Fastify + one
 * BullMQ add on the same Redis, in the same run. Prints both, their ratio (target: ≥ 0.8×, ≥ 3,000/s) and each
 * server's CPU per request (from /proc: the figure that least depends on what else the machine runs).
 *   npm run bench:ingest   (SECONDS=10 CONNECTIONS=32 RUNS=3 to change the load)
 * The load comes from `wrk` (`apt install wrk`), as in the issue, when it is installed: it leaves the two cores to
 * the servers compared. Without it, from an undici Pool in this process (a note says so; it takes a large share).
 * BENCH_ROOTS=/a,/b: each run runs the baseline, then the bot of each checkout in turn (interleaved).
 * NODE_VARIANTS="; --flag=1": and each bot once per set of Node options (";" between sets; empty: as shipped).
 */
import { randomUUID } from "node:crypto";
import {
  deletePrefix,
  eventBody,
  fixture,
  fmt,
  hasWrk,
  type LoadResult,
  load,
  load1,
  nodeVariants,
  procStats,
  redisCpuMs,
  ROOT,
  type Server,
  startBot,
  startServer,
  TOKEN,
  wrkLoad,
} from "./lib.js";

const seconds = Number(process.env.SECONDS ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 32);
const runs = Number(process.env.RUNS ?? 3);
const roots = process.env.BENCH_ROOTS?.split(",") ?? [process.env.BENCH_ROOT ?? ROOT];
/** Each bot: a checkout and the Node options it runs with. */
const bots = roots.flatMap((root) => nodeVariants().map((nodeOptions) => ({ root, nodeOptions })));
const label = (b: (typeof bots)[number]) => [...(roots.length > 1 ? [b.root] : []), ...b.nodeOptions].join(" ");
const name = "instance-status-changes";
const config = { destinations: { c: { platform: "console" } }, ingest: { auth: { tokens: [TOKEN] } } };
const wrk = hasWrk();
const generate = wrk
  ? (url: string, headers: Record<string, string>, secs: number) =>
      Promise.resolve(wrkLoad(url, "/dataworks/events", fixture(name), { connections, seconds: secs, headers }))
  : (url: string, headers: Record<string, string>, secs: number) =>
      load(url, "/dataworks/events", eventBody(name), { connections, seconds: secs, headers });

async function measure(start: (prefix: string) => Promise<Server>, headers: Record<string, string>): Promise<Measured> {
  const prefix = `bench-ingest-${randomUUID().slice(0, 6)}`;
  const s = await start(prefix);
  try {
    await generate(s.url, headers, 2); // warm-up
    const pid = s.child.pid as number;
    const [before, redisBefore] = [procStats(pid).cpuMs, await redisCpuMs()];
    const r = await generate(s.url, headers, seconds);
    const [after, redisAfter] = [procStats(pid).cpuMs, await redisCpuMs()];
    return {
      ...r,
      cpuUsPerRequest: ((after - before) * 1000) / r.requests,
      redisUsPerRequest: ((redisAfter - redisBefore) * 1000) / r.requests,
    };
  } finally {
    await s.stop();
    await deletePrefix(prefix);
  }
}

/** The server's CPU per request, and Redis' (the same two cores: what a server makes Redis do costs it too). */
type Measured = LoadResult & { cpuUsPerRequest: number; redisUsPerRequest: number };

const row = (run: number, server: string, r: Measured) =>
  `| ${run} | ${server} | ${fmt(r.rps, 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.cpuUsPerRequest, 0)} | ${fmt(r.redisUsPerRequest, 0)} | ${r.requests} | ${r.errors} |`;
const lines = [
  `ingest benchmark: ${connections} connections, ${seconds} s each, ${runs} interleaved runs, load from ${wrk ? "wrk (1 thread)" : "an undici Pool in the bench process"}, ${new Date().toISOString()}, load average ${fmt(load1(), 2)} at the start`,
  "| run | server | req/s | p50 ms | p99 ms | CPU µs/request | Redis CPU µs/request | requests | errors |",
  "|---|---|---|---|---|---|---|---|---|",
];
if (!wrk)
  process.stderr.write(
    "note: wrk is not installed (apt install wrk); the load comes from this process, which takes a large share of the CPU\n",
  );
const ratios = new Map<string, number[]>(bots.map((b) => [label(b), []]));
const p99s = new Map<string, number[]>(bots.map((b) => [label(b), []]));
for (let i = 1; i <= runs; i++) {
  // Baseline and bots back to back in each run, so a load change on the shared machine hits all alike.
  const base = await measure((prefix) => startServer("baseline.ts", { BENCH_PREFIX: prefix }), {});
  lines.push(row(i, "bare Fastify + 1 BullMQ add", base));
  for (const b of bots) {
    // HTTP only (serve --no-workers): ingest, not delivery.
    const bot = await measure(
      (prefix) => startBot(config, { prefix, workers: false, root: b.root, nodeOptions: b.nodeOptions }),
      { "x-eventbridge-signature-token": TOKEN },
    );
    lines.push(row(i, `dw-chatops POST /dataworks/events${label(b) ? ` (${label(b)})` : ""}`, bot));
    ratios.get(label(b))?.push(bot.rps / base.rps);
    p99s.get(label(b))?.push(bot.p99);
  }
}
lines.push("");
for (const b of bots)
  lines.push(
    `ratio (dw-chatops${label(b) ? ` ${label(b)}` : ""} / baseline) per run: ${ratios
      .get(label(b))
      ?.map((r) => `${fmt(r, 2)}×`)
      .join(", ")} (target ≥ 0.80×); dw-chatops p99: ${p99s
      .get(label(b))
      ?.map((p) => `${fmt(p, 1)} ms`)
      .join(", ")} (target < 20 ms)`,
  );
lines.push(`load average ${fmt(load1(), 2)} at the end`, "");
process.stdout.write(lines.join("\n"));
