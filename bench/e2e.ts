/**
 * Benchmark 2: end to end, events → fake Slack deliveries per second, rate limits and digests off.
 *   npm run bench:e2e   (EVENTS=5000)
 */
import { FakeSlack } from "../test/fakes/slack-api.js";
import { randomUUID } from "node:crypto";
import { deletePrefix, eventBody, fmt, load, startServer, TOKEN } from "./lib.js";

const events = Number(process.env.EVENTS ?? 5000);
const slack = new FakeSlack({ token: "xoxb-bench", channels: ["C0BENCH"] });
await slack.start();
const config = {
  slack: { token: "xoxb-bench", apiUrl: slack.apiUrl },
  destinations: {
    ops: { platform: "slack", channel: "C0BENCH", rateLimit: { max: 10000, per: "1s" }, digest: { enabled: false } },
  },
  routes: [{ destinations: ["ops"] }],
  ingest: { auth: { tokens: [TOKEN] } },
  worker: { concurrency: 64 },
};
const prefix = `bench-e2e-${randomUUID().slice(0, 6)}`;
const bot = await startServer("bot.ts", { BENCH_CONFIG: JSON.stringify(config), BENCH_PREFIX: prefix });
const body = eventBody("kill-instance");
const t0 = performance.now();
let sent = 0;
const sender = (async () => {
  while (sent < events) {
    const r = await load(bot.url, "/dataworks/events", body, {
      connections: 16,
      seconds: 0.5,
      headers: { "x-eventbridge-signature-token": TOKEN },
    });
    sent += r.requests;
  }
})();
await sender;
const ingestSeconds = (performance.now() - t0) / 1000;
while (slack.messages.length < sent) await new Promise((r) => setTimeout(r, 50));
const seconds = (performance.now() - t0) / 1000;
await bot.stop();
await slack.stop();
await deletePrefix(prefix);
process.stdout.write(
  [
    `end-to-end benchmark ${new Date().toISOString()}`,
    `events posted: ${sent} in ${fmt(ingestSeconds)} s; all ${slack.messages.length} delivered to the fake Slack after ${fmt(seconds)} s`,
    `throughput: ${fmt(sent / seconds, 0)} deliveries/s (ingest + queue + render + Slack Web API call)`,
    "",
  ].join("\n"),
);
