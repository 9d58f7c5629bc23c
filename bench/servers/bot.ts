/**
 * The real bot for benchmarks: config from BENCH_CONFIG (JSON), Redis from REDIS_URL, own key prefix.
 * BENCH_WORKERS=0 runs the HTTP side only (the ingest benchmark measures ingest, not delivery).
 */
import { randomUUID } from "node:crypto";
import { parseConfig } from "../../src/config/load-config.js";
import { createLogger } from "../../src/logger.js";
import { startRuntime } from "../../src/runtime.js";

const raw = JSON.parse(process.env.BENCH_CONFIG ?? "{}") as Record<string, unknown>;
const prefix = process.env.BENCH_PREFIX ?? `bench-${randomUUID().slice(0, 6)}`;
const config = parseConfig({ log: { level: "warn" }, ...raw, redis: { prefix } }, {});
const runtime = await startRuntime({
  config,
  logger: createLogger(config.log.level),
  redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  http: true,
  workers: process.env.BENCH_WORKERS !== "0",
});
await runtime.app?.listen({ host: "127.0.0.1", port: 0 });
const addr = runtime.app?.server.address();
process.stdout.write(`LISTENING http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}\n`);
setInterval(() => {
  const m = process.memoryUsage();
  process.stdout.write(`RSS ${m.rss} heapUsed ${m.heapUsed} heapTotal ${m.heapTotal} external ${m.external}\n`);
}, 1000).unref();
process.once("SIGTERM", async () => {
  await runtime.close();
  process.exit(0);
});
