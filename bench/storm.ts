/**
 * Benchmark 3: a storm — 10,000 instance-failed events in 60 s to one Slack channel with the real limits on
 * (1 message/s per channel, digests). Prints messages sent, the highest rate seen, events accounted for
 * (must be all), bot memory and Redis memory.
 *   npm run bench:storm   (EVENTS=10000 SECONDS=60)
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { Pool } from "undici";
import { FakeSlack } from "../test/fakes/slack-api.js";
import { deletePrefix, fixture, fmt, load1, procStats, REDIS_URL, startBot, TOKEN } from "./lib.js";

const total = Number(process.env.EVENTS ?? 10_000);
const seconds = Number(process.env.SECONDS ?? 60);
const slack = new FakeSlack({ token: "xoxb-storm", channels: ["C0STORM"] });
await slack.start();
const config = {
  slack: { token: "xoxb-storm", apiUrl: slack.apiUrl },
  destinations: { ops: { platform: "slack", channel: "C0STORM" } },
  routes: [{ destinations: ["ops"] }],
  ingest: { auth: { tokens: [TOKEN] } },
  worker: { concurrency: 32 },
};
const prefix = `bench-storm-${randomUUID().slice(0, 6)}`;
const bot = await startBot(config, { prefix });
let rss = 0;
bot.child.stdout?.on("data", (b: Buffer) => {
  for (const m of b.toString().matchAll(/RSS (\d+)/g)) rss = Math.max(rss, Number(m[1]));
});
const redis = new Redis(REDIS_URL);
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1] ?? 0);
let redisPeak = await usedMemory();

const base = fixture("instance-status-changes");
const pool = new Pool(bot.url, { connections: 16 });
const t0 = performance.now();
let posted = 0;
let refused = 0;
for (let i = 0; i < total; i++) {
  // Paced: event i is due at i/total of the window.
  const due = t0 + (i / total) * seconds * 1000;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  const data = { ...(base.data as object), nodeId: 700000000000 + (i % 500), taskId: 523000000000 + i };
  const res = await pool.request({
    method: "POST",
    path: "/dataworks/events",
    headers: { "content-type": "application/json", "x-eventbridge-signature-token": TOKEN },
    body: JSON.stringify({ ...base, id: randomUUID(), data }),
  });
  await res.body.dump();
  if (res.statusCode === 202) posted++;
  else refused++;
  if (i % 1000 === 0) redisPeak = Math.max(redisPeak, await usedMemory());
}
const sendSeconds = (performance.now() - t0) / 1000;
const counted = () => slack.messages.reduce((n, m) => n + (Number(/^(\d+) ×/.exec(m.text)?.[1]) || 1), 0);
const deadline = performance.now() + 300_000;
while (counted() < posted && performance.now() < deadline) {
  await new Promise((r) => setTimeout(r, 250));
  redisPeak = Math.max(redisPeak, await usedMemory());
}
const doneSeconds = (performance.now() - t0) / 1000;
const posts = slack.calls
  .filter((c) => c.path.endsWith("chat.postMessage"))
  .map((c) => c.at)
  .sort((a, b) => a - b);
let maxPerSecond = 0;
for (let i = 0; i < posts.length; i++)
  maxPerSecond = Math.max(
    maxPerSecond,
    posts.filter((t) => t >= (posts[i] as number) && t < (posts[i] as number) + 1000).length,
  );
// The kernel's high-water mark: no peak missed between the bot's once-a-second prints.
rss = Math.max(rss, procStats(bot.child.pid as number).peakRssMiB * 1048576);
await pool.close();
await bot.stop();
await slack.stop();
redis.disconnect();
await deletePrefix(prefix);
process.stdout.write(
  [
    `storm benchmark ${new Date().toISOString()}, load average ${fmt(load1(), 2)} at the end`,
    `| events posted | refused | messages sent | max messages in any 1 s | events accounted for | all accounted after | bot peak RSS | Redis peak used_memory |`,
    "|---|---|---|---|---|---|---|---|",
    `| ${posted} in ${fmt(sendSeconds)} s | ${refused} | ${slack.messages.length} | ${maxPerSecond} | ${counted()} | ${fmt(doneSeconds)} s | ${fmt(rss / 1048576)} MiB | ${fmt(redisPeak / 1048576)} MiB |`,
    counted() === posted ? "every event accounted for in exactly one message" : `MISSING ${posted - counted()} events`,
    "",
  ].join("\n"),
);
