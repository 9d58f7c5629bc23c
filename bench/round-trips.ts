/**
 * Redis commands and BullMQ jobs per event: runs the bot on its own prefix under Redis MONITOR, posts EVENTS
 * events of one kind, waits until every one was processed (and delivered, when it should be), and counts what the
 * bot's connections sent in between, by command (a Lua script by its name). Two streams:
 *   - delivered: kill-instance, one route to one Slack channel, rate limits and digests off (as bench:e2e);
 *   - filtered: instance-status-changes with status 4 (running), which the default `instanceStatuses` drops;
 *   - failed: instance-status-changes with status 5 (failed), each its own node and instance: a failure's message with its
 *     incident (actions off), as a real schedule's failures are.
 * STREAMS=delivered,failed picks some.
 * A filtered event is processed once it is counted (HGETALL <prefix>:notify:filtered), with or without a job.
 *   npm run bench:round-trips   (EVENTS=200)
 * MONITOR slows Redis down: the counts are exact, the timings are not figures.
 */
import { createHash, randomUUID } from "node:crypto";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { monitorRedis } from "../test/helpers/redis-monitor.js";
import { deletePrefix, fixture, fmt, load, REDIS_URL, ROOT, startSlackBench, TOKEN } from "./lib.js";

const events = Number(process.env.EVENTS ?? 200);
type Stream = "delivered" | "filtered" | "failed";

/** sha1 → name of every BullMQ script (they run as EVALSHA). */
function bullmqScripts(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const dir = join(ROOT, "node_modules/bullmq/dist/cjs/scripts");
  const names = new Map<string, string>();
  for (const f of readdirSync(dir).filter((x) => /-\d+\.js$/.test(x))) {
    const mod = require(join(dir, f)) as Record<string, { name: string; content: string }>;
    for (const s of Object.values(mod)) names.set(createHash("sha1").update(s.content).digest("hex"), s.name);
  }
  return names;
}

const scripts = bullmqScripts();
/** Our own scripts are named by the first words of their source (EVAL) or registered sha (EVALSHA). */
function commandName(args: string[]): string {
  const cmd = (args[0] ?? "").toLowerCase();
  if (cmd === "evalsha") return `evalsha ${scripts.get(args[1] ?? "") ?? `script ${(args[1] ?? "").slice(0, 8)}`}`;
  if (cmd === "eval") {
    const src = (args[1] ?? "").trim().split("\n")[0] ?? "";
    return `eval ${createHash("sha1")
      .update(args[1] ?? "")
      .digest("hex")
      .slice(0, 8)} "${src.slice(0, 50)}"`;
  }
  return cmd;
}

interface Count {
  commands: Map<string, number>;
  total: number;
  /** MULTI … EXEC counted as one. */
  roundTrips: number;
}

async function measure(
  kind: Stream,
): Promise<Count & { jobsAdded: number; inScripts: number; insideScript: Map<string, number>; sent: number }> {
  const { slack, bot, prefix } = await startSlackBench("rt");
  await new Promise((r) => setTimeout(r, 1000));
  const mine = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue("events", { connection: mine, prefix });
  await queue.waitUntilReady();
  const ownAddr = /addr=(\S+)/.exec(String(await mine.client("INFO")))?.[1];
  const seen: Array<{ source: string; args: string[] }> = [];
  // A socket of its own (test/helpers/redis-monitor.ts): ioredis' monitor() left the client it came from open, so
  // the bench never exited, and can lose lines ("Command queue state error").
  const monitor = await monitorRedis(REDIS_URL);
  monitor.on("monitor", (_t, args, source) => seen.push({ source, args }));
  const base = fixture(kind === "delivered" ? "kill-instance" : "instance-status-changes");
  let n = 0;
  const body = () =>
    JSON.stringify(
      kind === "delivered"
        ? { ...base, id: randomUUID() }
        : kind === "failed"
          ? {
              ...base,
              id: randomUUID(),
              data: { ...(base.data as object), status: 5, nodeId: 710000000000 + n, taskId: 810000000000 + n++ },
            }
          : { ...base, id: randomUUID(), data: { ...(base.data as object), status: 4 } },
    );
  let sent = 0;
  while (sent < events) {
    const r = await load(bot.url, "/dataworks/events", body, {
      connections: 4,
      seconds: 0.2,
      headers: { "x-eventbridge-signature-token": TOKEN },
    });
    sent += r.requests - r.errors;
  }
  process.stderr.write(`${kind}: ${sent} posted\n`);
  const processed = async () => Number((await mine.hget(`${prefix}:notify:filtered`, "instance-status-changes")) ?? 0);
  while ((kind === "filtered" ? await processed() : slack.messages.length) < sent)
    await new Promise((r) => setTimeout(r, 50));
  // The last completions (and their moveToFinished) land after the message: a moment for them.
  await new Promise((r) => setTimeout(r, 1500));
  process.stderr.write(`${kind}: all processed; ${seen.length} commands seen\n`);
  monitor.disconnect();
  await bot.stop();
  await slack.stop();
  await queue.close();
  mine.disconnect();
  await deletePrefix(prefix);
  // The bot's connections: every source that touched the prefix, except this bench's own.
  const sources = new Set(
    seen.filter((c) => c.source !== ownAddr && c.args.some((a) => a.includes(prefix))).map((c) => c.source),
  );
  const commands = new Map<string, number>();
  let total = 0;
  let roundTrips = 0;
  const inMulti = new Set<string>();
  let jobsAdded = 0;
  let inScripts = 0;
  // MONITOR lists a script's own commands right after the EVAL/EVALSHA that ran them (Redis 7.0 here).
  const insideScript = new Map<string, number>();
  let lastScript = "";
  for (const c of seen) {
    // Commands a Lua script ran (MONITOR shows them as from "lua") cost no round trip: counted apart.
    if (c.source === "lua") {
      if (c.args.some((a) => a.includes(prefix))) {
        inScripts++;
        insideScript.set(lastScript, (insideScript.get(lastScript) ?? 0) + 1);
      }
      continue;
    }
    const name = commandName(c.args);
    lastScript = sources.has(c.source) && /^eval/.test(name) ? name : "";
    if (!sources.has(c.source)) continue;
    total++;
    // A transaction is one round trip: its MULTI counts, what it queues and its EXEC do not.
    if (!inMulti.has(c.source)) roundTrips++;
    if (name === "multi") inMulti.add(c.source);
    if (name === "exec") inMulti.delete(c.source);
    if (/evalsha add\w*Job/.test(name)) jobsAdded++;
    commands.set(name, (commands.get(name) ?? 0) + 1);
  }
  // Per event, as N events.
  return {
    commands,
    total: total / sent,
    roundTrips: roundTrips / sent,
    jobsAdded: jobsAdded / sent,
    inScripts: inScripts / sent,
    insideScript,
    sent,
  };
}

const out: string[] = [`Redis commands per event ${new Date().toISOString()}, ${events} events per stream`];
for (const kind of (process.env.STREAMS?.split(",") ?? ["delivered", "filtered", "failed"]) as Stream[]) {
  const r = await measure(kind);
  out.push(
    "",
    `### ${kind}: ${fmt(r.total, 1)} commands sent (${fmt(r.roundTrips, 1)} if MULTI…EXEC is one), ${fmt(r.inScripts, 0)} more run inside Lua scripts; ${fmt(r.jobsAdded, 2)} BullMQ jobs added per event (${r.sent} events)`,
    "| command | per event | commands run inside it, per event |",
    "|---|---|---|",
    ...[...r.commands]
      .sort((a, b) => b[1] - a[1])
      .filter(([, n]) => n / r.sent >= 0.05)
      .map(
        ([k, n]) =>
          `| ${k} | ${fmt(n / r.sent, 2)} | ${/^eval/.test(k) ? fmt((r.insideScript.get(k) ?? 0) / r.sent, 1) : ""} |`,
      ),
  );
}
process.stdout.write(`${out.join("\n")}\n`);
