/**
 * The reliability suite: real bot processes (the CLI), a private redis-server and the local fakes, under faults,
 * load and attack. Prints one table of figures (markdown); docs/reliability.md keeps the latest.
 *   npm run reliability                 every scenario
 *   SCENARIOS=1,5 npm run reliability   some of them
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { Redis } from "ioredis";
import type { Figure, Scenario, ScenarioContext } from "./lib/common.js";
import { LOG_DIR } from "./lib/procs.js";
import { RedisServer } from "../helpers/redis-server.js";
import { killWorker } from "./scenarios/s1-kill-worker.js";
import { redisRestart } from "./scenarios/s2-redis-restart.js";
import { dataworksOutage } from "./scenarios/s3-dataworks-outage.js";
import { chatStorms } from "./scenarios/s4-chat-storms.js";
import { sameEventTwice } from "./scenarios/s5-same-event-twice.js";
import { doubleClick } from "./scenarios/s6-double-click.js";
import { forgedStaleReplayed } from "./scenarios/s7-forged-stale-replayed.js";
import { fuzz } from "./scenarios/s8-fuzz.js";
import { secretsInLogs } from "./scenarios/s9-secrets-in-logs.js";

const ALL: Scenario[] = [
  killWorker,
  redisRestart,
  dataworksOutage,
  chatStorms,
  sameEventTwice,
  doubleClick,
  forgedStaleReplayed,
  fuzz,
  secretsInLogs,
];

const only = process.env.SCENARIOS?.split(",").map((s) => s.trim());
const chosen = ALL.filter((s) => !only || only.includes(s.id));
rmSync(LOG_DIR, { recursive: true, force: true });
mkdirSync(LOG_DIR, { recursive: true });

const redis = new RedisServer();
await redis.start();
const rows: Array<{ scenario: Scenario; figures: Figure[]; ms: number; error?: string }> = [];
const started = Date.now();
for (const scenario of chosen) {
  const ctx: ScenarioContext = {
    redisUrl: redis.url,
    prefix: `rel-${scenario.id}-${randomUUID().slice(0, 6)}`,
    log: (line) => process.stderr.write(`  [${scenario.id}] ${line}\n`),
  };
  process.stderr.write(`== ${scenario.id}. ${scenario.title}\n`);
  const t0 = Date.now();
  try {
    const figures = await scenario.run(ctx);
    rows.push({ scenario, figures, ms: Date.now() - t0 });
  } catch (err) {
    rows.push({ scenario, figures: [], ms: Date.now() - t0, error: (err as Error).stack ?? String(err) });
  }
  for (const f of rows.at(-1)?.figures ?? []) process.stderr.write(`  ${f.measure}: ${f.value}${verdict(f)}\n`);
  if (rows.at(-1)?.error) process.stderr.write(`  ERROR ${rows.at(-1)?.error}\n`);
}
const r = new Redis(redis.url);
const usedMemory = /used_memory_human:(\S+)/.exec(await r.info("memory"))?.[1];
r.disconnect();
await redis.destroy();

function verdict(f: Figure) {
  return f.ok === undefined ? "" : f.ok ? " ✔" : " ✘ FAIL";
}

const lines = [
  `reliability suite ${new Date().toISOString()} · node ${process.version} · ${Math.round((Date.now() - started) / 1000)} s · Redis used_memory at the end ${usedMemory}`,
  "",
  "| # | scenario | figure | value | |",
  "|---|---|---|---|---|",
];
for (const row of rows) {
  const head = `${row.scenario.id}`;
  const title = `${row.scenario.title} (${Math.round(row.ms / 1000)} s)`;
  if (row.error) lines.push(`| ${head} | ${title} | **could not run** | ${row.error.split("\n")[0]} | ✘ |`);
  for (const [i, f] of row.figures.entries())
    lines.push(
      `| ${i === 0 ? head : ""} | ${i === 0 ? title : ""} | ${f.measure} | ${f.value} | ${f.ok === undefined ? "" : f.ok ? "✔" : "✘"} |`,
    );
}
const failed = rows.filter((r) => r.error || r.figures.some((f) => f.ok === false));
lines.push("", failed.length ? `FAILED: ${failed.map((r) => r.scenario.id).join(", ")}` : "all requirements met");
process.stdout.write(`${lines.join("\n")}\n`);
process.exitCode = failed.length ? 1 : 0;
