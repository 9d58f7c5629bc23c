/**
 * The DingTalk and Lark adapters' own cost per send (issue 19, third round): adapter.send() against the test fakes
 * (test/fakes/dingtalk-api.ts, lark-api.ts) in another process, each case in a fresh process (and a fresh fake)
 * with the bot's 8 MiB semi-spaces, round-robin so machine load hits every case alike. Client CPU µs per send and
 * scavenges per 1,000 sends. Cases: DingTalk custom robot (signed webhook), DingTalk app robot (OpenAPI
 * groupMessages/send), Lark custom bot (signed webhook), Lark app bot (the SDK, through adapters/lark/http-instance.ts).
 *   npm run bench:cn-client   (SENDS=6000 CONCURRENCY=16 RUNS=3; BENCH_ROOTS=/a,/b compares checkouts,
 *   each built with `npm run build` first and its dist/ imported by the case's process)
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { clientCost, clientCostTable, fmt, load1, ROOT } from "./lib.js";

const PATHS = ["dingtalk robot webhook", "dingtalk app (OpenAPI)", "lark custom bot", "lark app (SDK)"] as const;
type Path = (typeof PATHS)[number];
/** Robots and hooks to round-robin over: the fakes hold each to its real rate (DingTalk 20/min, Lark 5/s). */
const HOOKS = 2_000;
const APP = { id: "bench-app", secret: "bench-app-secret" };
const SECRET = "SECbench";

/** The fake for a case, in its own process: prints LISTENING <url>. */
const SERVER = `
  const path = process.env.CN_PATH;
  const tokens = Array.from({ length: ${HOOKS} }, (_, i) => "t" + i);
  const fake = path.startsWith("dingtalk")
    ? new (await import(${JSON.stringify(join(ROOT, "test/fakes/dingtalk-api.ts"))})).FakeDingTalk({
        appKey: "${APP.id}", appSecret: "${APP.secret}", robotCode: "${APP.id}", conversations: ["cid1"],
        robots: Object.fromEntries(tokens.map((t) => [t, { secret: "${SECRET}" }])),
      })
    : new (await import(${JSON.stringify(join(ROOT, "test/fakes/lark-api.ts"))})).FakeLark({
        appId: "${APP.id}", appSecret: "${APP.secret}", chats: ["oc_1"],
        hooks: Object.fromEntries(tokens.map((t) => [t, { secret: "${SECRET}" }])),
      });
  await fake.start();
  // The fakes record every request; a bench does not read them.
  setInterval(() => { fake.fake.requests.length = 0; fake.messages.length = 0; }, 200).unref();
  console.log("LISTENING " + fake.url);`;

/** A child: one case, its figures on stdout as JSON. */
async function child(root: string, path: Path, url: string): Promise<void> {
  const { emptyMessage } = await import(join(root, "dist/src/core/message.js"));
  const message = {
    ...emptyMessage("k", "en"),
    title: "Instance killed: daily_orders_etl",
    severity: "danger",
    fields: Array.from({ length: 6 }, (_, i) => ({ label: `Field ${i}`, value: `value ${i} of the node` })),
    sections: [{ text: "Stopped by ana at 2026-12-07 14:00:00 (Asia/Shanghai)." }],
  };
  let i = 0;
  let send: () => Promise<unknown>;
  if (path.startsWith("dingtalk")) {
    const { createDingTalkAdapter } = await import(join(root, "dist/adapters/dingtalk/index.js"));
    const app = { clientId: APP.id, clientSecret: APP.secret, apiUrl: url, oapiUrl: url, stream: false };
    const a = createDingTalkAdapter({ app, timeoutMs: 10_000 });
    const payload = a.render(message);
    send =
      path === "dingtalk app (OpenAPI)"
        ? () => a.send({ destination: "d", address: "cid1", mode: "app" }, payload)
        : () =>
            a.send(
              {
                destination: "d",
                address: "d",
                mode: "webhook",
                robot: { webhookUrl: `${url}/robot/send`, accessToken: `t${i++ % HOOKS}`, secret: SECRET },
              },
              payload,
            );
  } else {
    const { createLarkAdapter } = await import(join(root, "dist/adapters/lark/index.js"));
    const a = createLarkAdapter({ app: { appId: APP.id, appSecret: APP.secret, domain: url }, timeoutMs: 10_000 });
    const payload = a.render(message);
    send =
      path === "lark app (SDK)"
        ? () => a.send({ destination: "d", address: "oc_1", mode: "app" }, payload)
        : () =>
            a.send(
              {
                destination: "d",
                address: "d",
                mode: "webhook",
                webhook: { url: `${url}/open-apis/bot/v2/hook/t${i++ % HOOKS}`, secret: SECRET },
              },
              payload,
            );
  }
  const cost = await clientCost(send, { warmup: 1_500, count: Number(process.env.SENDS ?? 6_000) });
  process.stdout.write(JSON.stringify(cost));
}

if (process.env.CN_CLIENT_CASE) {
  const { root, path } = JSON.parse(process.env.CN_CLIENT_CASE) as { root: string; path: Path };
  await child(root, path, process.env.CN_CLIENT_URL as string);
  process.exit(0);
}

const roots = process.env.BENCH_ROOTS?.split(",") ?? [ROOT];
for (const root of roots) {
  const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) throw new Error(`npm run build failed in ${root}`);
}

async function startFake(path: Path) {
  const server = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", SERVER], {
    env: { ...process.env, CN_PATH: path },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    server.once("exit", (code) => reject(new Error(`fake exited with ${code}`)));
  });
  return { url, stop: () => server.kill() };
}

const runs = Number(process.env.RUNS ?? 3);
const results = new Map<string, Array<{ us: number; gcs: number }>>();
for (let r = 0; r < runs; r++)
  for (const path of PATHS)
    for (const root of roots) {
      const name = roots.length > 1 ? `${path} — ${root}` : path;
      const fake = await startFake(path);
      // Asynchronous, so the fake (in this process's children) keeps answering.
      const p = spawn(process.execPath, ["--max-semi-space-size=8", "--import", "tsx", import.meta.filename], {
        env: { ...process.env, CN_CLIENT_CASE: JSON.stringify({ root, path }), CN_CLIENT_URL: fake.url },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      p.stdout.on("data", (b: Buffer) => (out += b.toString()));
      p.stderr.on("data", (b: Buffer) => (err += b.toString()));
      const code = await new Promise<number | null>((res) => p.once("exit", res));
      fake.stop();
      if (code !== 0) throw new Error(`${name}: ${err}`);
      results.set(name, [...(results.get(name) ?? []), JSON.parse(out) as { us: number; gcs: number }]);
    }
process.stdout.write(
  clientCostTable(
    `DingTalk/Lark client benchmark ${new Date().toISOString()}, ${runs} runs, load average ${fmt(load1(), 2)} at the end`,
    "send",
    results,
  ),
);
