/**
 * Benchmark 1: ingest throughput and latency of POST /dataworks/events against a bare Fastify + one
 * BullMQ add on the same Redis, in the same run. Prints both and their ratio (target: ≥ 0.8×, ≥ 3,000/s).
 *   npm run bench:ingest   (SECONDS=10 CONNECTIONS=32 RUNS=3 to change the load)
 */
import { randomUUID } from "node:crypto";
import {
  deletePrefix,
  eventBody,
  fmt,
  type LoadResult,
  load,
  load1,
  type Server,
  startBot,
  startServer,
  TOKEN,
} from "./lib.js";

const seconds = Number(process.env.SECONDS ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 32);
const body = eventBody("instance-status-changes");
const config = { destinations: { c: { platform: "console" } }, ingest: { auth: { tokens: [TOKEN] } } };

async function measure(start: (prefix: string) => Promise<Server>, headers: Record<string, string>) {
  const prefix = `bench-ingest-${randomUUID().slice(0, 6)}`;
  const s = await start(prefix);
  try {
    await load(s.url, "/dataworks/events", body, { connections, seconds: 2, headers }); // warm-up
    return await load(s.url, "/dataworks/events", body, { connections, seconds, headers });
  } finally {
    await s.stop();
    await deletePrefix(prefix);
  }
}

const runs = Number(process.env.RUNS ?? 3);
const row = (name: string, r: LoadResult) =>
  `| ${name} | ${fmt(r.rps, 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${r.requests} | ${r.errors} |`;
const lines = [
  `ingest benchmark: ${connections} connections, ${seconds} s each, ${runs} interleaved runs, ${new Date().toISOString()}, load average ${fmt(load1(), 2)} at the start`,
  "| run | server | req/s | p50 ms | p99 ms | requests | errors |",
  "|---|---|---|---|---|---|---|",
];
const ratios: number[] = [];
const p99s: number[] = [];
for (let i = 1; i <= runs; i++) {
  // Baseline and bot back to back in each run, so a load change on the shared machine hits both alike.
  const base = await measure((prefix) => startServer("baseline.ts", { BENCH_PREFIX: prefix }), {});
  // HTTP only (serve --no-workers): ingest, not delivery.
  const bot = await measure((prefix) => startBot(config, { prefix, workers: false }), {
    "x-eventbridge-signature-token": TOKEN,
  });
  lines.push(`| ${i} | ${row("bare Fastify + 1 BullMQ add", base).slice(2)}`);
  lines.push(`| ${i} | ${row("dw-chatops POST /dataworks/events", bot).slice(2)}`);
  ratios.push(bot.rps / base.rps);
  p99s.push(bot.p99);
}
lines.push(
  "",
  `ratio (dw-chatops / baseline) per run: ${ratios.map((r) => `${fmt(r, 2)}×`).join(", ")} (target ≥ 0.80×); dw-chatops p99: ${p99s.map((p) => `${fmt(p, 1)} ms`).join(", ")} (target < 20 ms); load average ${fmt(load1(), 2)} at the end`,
  "",
);
process.stdout.write(lines.join("\n"));
