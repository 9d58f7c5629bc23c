/**
 * Benchmark 1: ingest throughput and latency of POST /dataworks/events against a bare Fastify + one
 * BullMQ add on the same Redis, in the same run. Prints both and their ratio (target: ≥ 0.8×, ≥ 3,000/s).
 *   npm run bench:ingest   (SECONDS=10 CONNECTIONS=32 to change the load)
 */
import { randomUUID } from "node:crypto";
import { deletePrefix, eventBody, fmt, load, startServer, TOKEN } from "./lib.js";

const seconds = Number(process.env.SECONDS ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 32);
const body = eventBody("instance-status-changes");
const config = JSON.stringify({ destinations: { c: { platform: "console" } }, ingest: { auth: { tokens: [TOKEN] } } });

async function measure(script: string, env: Record<string, string>, headers: Record<string, string>) {
  const prefix = `bench-ingest-${randomUUID().slice(0, 6)}`;
  const s = await startServer(script, { BENCH_PREFIX: prefix, ...env });
  try {
    await load(s.url, "/dataworks/events", body, { connections, seconds: 2, headers }); // warm-up
    return await load(s.url, "/dataworks/events", body, { connections, seconds, headers });
  } finally {
    await s.stop();
    await deletePrefix(prefix);
  }
}

const base = await measure("baseline.ts", {}, {});
const bot = await measure(
  "bot.ts",
  { BENCH_CONFIG: config, BENCH_WORKERS: "0" },
  { "x-eventbridge-signature-token": TOKEN },
);
const row = (name: string, r: typeof base) =>
  `| ${name} | ${fmt(r.rps, 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${r.requests} | ${r.errors} |`;
process.stdout.write(
  [
    `ingest benchmark: ${connections} connections, ${seconds} s each, ${new Date().toISOString()}`,
    "| server | req/s | p50 ms | p99 ms | requests | errors |",
    "|---|---|---|---|---|---|",
    row("bare Fastify + 1 BullMQ add", base),
    row("dw-chatops POST /dataworks/events", bot),
    "",
    `ratio (dw-chatops / baseline): ${fmt(bot.rps / base.rps, 2)}×  (target ≥ 0.80×; ≥ 3,000 events/s: ${bot.rps >= 3000 ? "yes" : "no"})`,
    "",
  ].join("\n"),
);
