/**
 * The Slack Web API client's own cost per chat.postMessage (issue 19, third round): the WebClient against a local
 * server that answers as chat.postMessage does, each case in a fresh process with the bot's 8 MiB semi-spaces,
 * round-robin so machine load hits every case alike. Client CPU µs per call (the server runs in another process)
 * and scavenges per 1,000 calls. ONLY=substring,substring runs the cases whose names contain one of them.
 *   npm run bench:slack-client   (CALLS=15000 CONCURRENCY=16 RUNS=3; runs `npm run build` first)
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { clientCost, clientCostTable, fmt, load1, ROOT } from "./lib.js";

const CASES = {
  "global fetch, blocks as objects": { fetch: "global", blocks: "objects" },
  "undici request() with a real Response, blocks as objects": { fetch: "response", blocks: "objects" },
  "slackFetch, blocks as objects": { fetch: "slack", blocks: "objects" },
  "slackFetch, blocks as JSON (the WebClient's methods)": { fetch: "slack", blocks: "json" },
  "slackJsonCall, a JSON body (shipped: chat.postMessage, chat.update)": { fetch: "json-call", blocks: "objects" },
} as const;
type Case = (typeof CASES)[keyof typeof CASES];

const BLOCKS = [
  { type: "header", text: { type: "plain_text", text: "🔴 Instance killed: daily_orders_etl", emoji: true } },
  {
    type: "section",
    fields: Array.from({ length: 6 }, (_, i) => ({ type: "mrkdwn", text: `*Field ${i}*\nvalue ${i} of the node` })),
  },
  { type: "section", text: { type: "mrkdwn", text: "Stopped by <@U123> at 2026-12-07 14:00:00 (Asia/Shanghai)." } },
  {
    type: "section",
    text: { type: "mrkdwn", text: "<https://dataworks.console.aliyun.com/x?instance=123456789|Open in DataWorks>" },
  },
  { type: "context", elements: [{ type: "mrkdwn", text: "dw-chatops · event 7d1c1a2e-bc55-4f5e-9c4d-7c2d33a8f0a1" }] },
];

/** A child: one case, its figures on stdout as JSON. */
async function child(c: Case, url: string): Promise<void> {
  const webApi = await import("@slack/web-api");
  const { slackFetch } = await import(join(ROOT, "dist/adapters/slack/fetch.js"));
  const { request } = await import("undici");
  // The alternative measured and dropped: undici's request() answering with a WHATWG Response.
  const withResponse = async (
    u: string | URL,
    init?: { method?: string; headers?: Record<string, string>; body?: unknown; signal?: AbortSignal },
  ) => {
    const res = await request(u, {
      method: init?.method ?? "POST",
      headers: init?.headers,
      body: init?.body as string,
      signal: init?.signal,
    });
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) for (const x of [v ?? []].flat()) headers.append(k, x);
    return new Response(await res.body.bytes(), { status: res.statusCode, statusText: res.statusText, headers });
  };
  const fetch = c.fetch === "slack" ? slackFetch : c.fetch === "response" ? withResponse : undefined;
  const client = new webApi.WebClient("xoxb-bench", {
    slackApiUrl: `${url}/api/`,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    logLevel: webApi.LogLevel.ERROR,
    ...(fetch ? { fetch } : {}),
  });
  const args = { channel: "C0BENCH", text: "Instance killed: daily_orders_etl", unfurl_links: false };
  if (c.fetch === "json-call") {
    const { slackJsonCall } = await import(join(ROOT, "dist/adapters/slack/json-call.js"));
    const logger = (client as unknown as { logger: unknown }).logger;
    const call = { apiUrl: `${url}/api`, token: "xoxb-bench", timeoutMs: 10_000, logger };
    const cost = await clientCost(() => slackJsonCall(call, "chat.postMessage", { ...args, blocks: BLOCKS }), {
      warmup: 3_000,
      count: Number(process.env.CALLS ?? 15_000),
    });
    process.stdout.write(JSON.stringify(cost));
    return;
  }
  const post = () =>
    client.apiCall("chat.postMessage", { ...args, blocks: c.blocks === "json" ? JSON.stringify(BLOCKS) : BLOCKS });
  const cost = await clientCost(post, { warmup: 3_000, count: Number(process.env.CALLS ?? 15_000) });
  process.stdout.write(JSON.stringify(cost));
}

const SERVER = `
  const body = JSON.stringify({ ok: true, channel: "C0BENCH", ts: "1765110000.000001", message: { ts: "1765110000.000001" } });
  const s = require("node:http").createServer((req, res) => {
    req.resume();
    req.on("end", () => { res.writeHead(200, { "content-type": "application/json; charset=utf-8" }); res.end(body); });
  });
  s.listen(0, "127.0.0.1", () => console.log("LISTENING http://127.0.0.1:" + s.address().port));`;

if (process.env.SLACK_CLIENT_CASE) {
  await child(JSON.parse(process.env.SLACK_CLIENT_CASE) as Case, process.env.SLACK_CLIENT_URL as string);
  process.exit(0);
}

const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) throw new Error("npm run build failed");
const server = spawn(process.execPath, ["-e", SERVER], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise<string>((resolve) => {
  let out = "";
  server.stdout.on("data", (b: Buffer) => {
    out += b.toString();
    const m = /LISTENING (\S+)/.exec(out);
    if (m) resolve(m[1] as string);
  });
});
const runs = Number(process.env.RUNS ?? 3);
const results = new Map<string, Array<{ us: number; gcs: number }>>();
const only = process.env.ONLY?.split(",");
const cases = Object.entries(CASES).filter(([name]) => !only || only.some((o) => name.includes(o)));
for (let r = 0; r < runs; r++)
  for (const [name, c] of cases) {
    const p = spawnSync(process.execPath, ["--max-semi-space-size=8", "--import", "tsx", import.meta.filename], {
      env: { ...process.env, SLACK_CLIENT_CASE: JSON.stringify(c), SLACK_CLIENT_URL: url },
      encoding: "utf8",
    });
    if (p.status !== 0) throw new Error(`${name}: ${p.stderr}`);
    results.set(name, [...(results.get(name) ?? []), JSON.parse(p.stdout) as { us: number; gcs: number }]);
  }
server.kill();
process.stdout.write(
  clientCostTable(
    `Slack client benchmark ${new Date().toISOString()}, ${runs} runs, load average ${fmt(load1(), 2)} at the end`,
    "call",
    results,
  ),
);
