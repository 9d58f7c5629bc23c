import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";
import { join } from "node:path";
import { Pool } from "undici";
import { FakeSlack } from "../test/fakes/slack-api.js";

export const ROOT = join(import.meta.dirname, "..");
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const TOKEN = "bench-ingest-token";

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, "test/fixtures/events", `${name}.json`), "utf8")) as Record<
    string,
    unknown
  >;
}

/**
 * Start a bench server script (bench/servers/*.ts: the ingest baseline) with Node's own type stripping, not tsx,
 * so it pays no loader the compiled bot does not; resolves with its URL once it prints "LISTENING <url>".
 * `root`: the checkout whose server runs.
 */
export function startServer(
  script: string,
  env: Record<string, string> = {},
  root = ROOT,
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...cpuProfArgs(), join(root, "bench/servers", script)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (b: Buffer) => {
      out += b.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve({ url: m[1] as string, child, stop: () => stopChild(child) });
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}: ${out}`)));
  });
}

export type Server = Awaited<ReturnType<typeof startServer>>;

const cpuProfArgs = () =>
  process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];

const stopChild = (child: ChildProcess) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) return r();
    child.once("exit", () => r());
    child.kill("SIGTERM");
  });

const built = new Set<string>();

/** `npm run build` in a checkout, once per bench process: the bot runs compiled, as users run it. */
function build(root: string): void {
  if (built.has(root)) return;
  const r = spawnSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`npm run build failed in ${root}`);
  built.add(root);
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * The Node options the checkout's container image sets (its Dockerfile's `NODE_OPTIONS`): the bench's bot runs with
 * what ships. None when the Dockerfile sets none.
 */
function shippedNodeOptions(root: string): string[] {
  const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
  const m = /NODE_OPTIONS=(?:"([^"]*)"|(\S+))/.exec(dockerfile);
  return (m?.[1] ?? m?.[2] ?? "").split(/\s+/).filter(Boolean);
}

/**
 * The real bot as users run it: `node bin/dw-chatops.js serve --config <file>` from the compiled build of `root`
 * (built first), with `config` (log level warn, Redis at REDIS_URL under `prefix`) in a config file of its own.
 * `root` defaults to BENCH_ROOT, else this checkout. `workers: false` is `serve --no-workers` (the ingest bench
 * measures ingest, not delivery). Resolves once /readyz
 * answers 200. The bot prints its memoryUsage() every second (bench/servers/report-memory.js, preloaded) as
 * "RSS … heapUsed … heapTotal … external …". Node runs with the options the checkout's image sets
 * (shippedNodeOptions), then BENCH_NODE_OPTIONS, then `nodeOptions` (later ones win: to compare V8 settings).
 */
export async function startBot(
  config: Record<string, unknown>,
  o: { prefix: string; workers?: boolean; root?: string; nodeOptions?: string[] },
): Promise<Server> {
  const root = o.root ?? process.env.BENCH_ROOT ?? ROOT;
  build(root);
  const dir = mkdtempSync(join(tmpdir(), "dw-bench-"));
  const file = join(dir, "dw-chatops.yaml");
  // JSON is YAML.
  writeFileSync(file, JSON.stringify({ log: { level: "warn" }, ...config, redis: { prefix: o.prefix } }));
  const port = await freePort();
  const args = [
    ...cpuProfArgs(),
    ...shippedNodeOptions(root),
    ...(process.env.BENCH_NODE_OPTIONS?.split(/\s+/).filter(Boolean) ?? []),
    ...(o.nodeOptions ?? []),
    "--import",
    join(ROOT, "bench/servers/report-memory.js"),
    join(root, "bin/dw-chatops.js"),
    "serve",
    "--config",
    file,
    "--port",
    String(port),
    ...(o.workers === false ? ["--no-workers"] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: dir,
    env: { ...process.env, REDIS_URL },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  const collect = (b: Buffer) => {
    if (out.length < 65536) out += b.toString();
  };
  child.stdout?.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`the bot exited with ${child.exitCode}: ${out}`);
    }
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (performance.now() > deadline) {
      await stop();
      throw new Error(`the bot was not ready after 60 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.stdout?.off("data", collect);
  return { url, child, stop };
}

/**
 * A bot (its own process, HTTP and workers) that delivers every event to one channel of a fake Slack, rate limits
 * and digests off: the set-up the e2e, filtered and round-trips benches share. `name` goes into the key prefix.
 */
export async function startSlackBench(
  name: string,
  o: { concurrency?: number; root?: string; nodeOptions?: string[] } = {},
): Promise<{ slack: FakeSlack; bot: Server; prefix: string }> {
  const slack = new FakeSlack({ token: "xoxb-bench", channels: ["C0BENCH"] });
  await slack.start();
  const config = {
    slack: { token: "xoxb-bench", apiUrl: slack.apiUrl },
    destinations: {
      ops: { platform: "slack", channel: "C0BENCH", rateLimit: { max: 10000, per: "1s" }, digest: { enabled: false } },
    },
    routes: [{ destinations: ["ops"] }],
    ingest: { auth: { tokens: [TOKEN] } },
    worker: { concurrency: o.concurrency ?? 64 },
  };
  const prefix = `bench-${name}-${randomUUID().slice(0, 6)}`;
  const bot = await startBot(config, { prefix, root: o.root, nodeOptions: o.nodeOptions });
  return { slack, bot, prefix };
}

/**
 * NODE_VARIANTS="; --flag=1; --flag=2": sets of Node options to run each bot with in turn (";" between sets; an empty
 * set is the shipped options alone), for bench:e2e and bench:ingest.
 */
export const nodeVariants = (): string[][] =>
  (process.env.NODE_VARIANTS?.split(";") ?? [""]).map((v) => v.split(/\s+/).filter(Boolean));

/** The same fake Slack with the floor in place of the bot (bench/servers/relay.ts), at the same concurrency. */
export async function startRelayBench(o: { concurrency?: number; relay?: "job" | "inline" } = {}) {
  const slack = new FakeSlack({ token: "xoxb-bench", channels: ["C0BENCH"] });
  await slack.start();
  const prefix = `bench-relay-${randomUUID().slice(0, 6)}`;
  const bot = await startServer("relay.ts", {
    BENCH_PREFIX: prefix,
    REDIS_URL,
    SLACK_API_URL: slack.apiUrl,
    SLACK_TOKEN: "xoxb-bench",
    SLACK_CHANNEL: "C0BENCH",
    CONCURRENCY: String(o.concurrency ?? 64),
    RELAY: o.relay ?? "job",
  });
  return { slack, bot, prefix };
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

/**
 * Closed-loop load: `connections` keep-alive connections each send the next POST as soon as the previous
 * answers, for `seconds`. Every body gets a fresh event id (no deduplication shortcuts).
 */
export async function load(
  url: string,
  path: string,
  body: () => string,
  o: { connections: number; seconds: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  const pool = new Pool(url, { connections: o.connections, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + o.seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const res = await pool.request({
          method: "POST",
          path,
          headers: { "content-type": "application/json", ...o.headers },
          body: body(),
        });
        await res.body.dump();
        if (res.statusCode >= 300) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: o.connections }, worker));
  const seconds = (performance.now() - t0) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { requests: latencies.length, errors, seconds, rps: latencies.length / seconds, p50: q(0.5), p99: q(0.99) };
}

/** Whether `wrk` (the issue's load generator, `apt install wrk`) is on PATH. */
export const hasWrk = () => !spawnSync("wrk", ["-v"], { stdio: "ignore" }).error;

/**
 * The same closed-loop load as `load`, generated by `wrk` (one thread, C, a fraction of the CPU an undici Pool in
 * Node takes on the same two cores). A Lua script gives every request its own event id: `body` with its id
 * replaced by `<run>-<n>`, where the run is random, so no two runs share ids.
 */
export function wrkLoad(
  url: string,
  path: string,
  body: Record<string, unknown>,
  o: { connections: number; seconds: number; headers?: Record<string, string> },
): LoadResult {
  const mark = randomUUID();
  const { file, args, cleanup } = wrkRun(url, path, JSON.stringify({ ...body, id: mark }), mark, o);
  try {
    const r = spawnSync("wrk", args, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`wrk failed (${r.status}): ${r.stderr} (${file})`);
    return parseWrk(r.stdout);
  } finally {
    cleanup();
  }
}

/**
 * `wrkLoad` without blocking this process (a fake platform in it keeps answering while wrk runs): `template` is the
 * request body with `mark` where each request puts its own `<run>-<n>` (an event id, an alert's label).
 */
export async function wrkLoadAsync(
  url: string,
  path: string,
  template: string,
  mark: string,
  o: { connections: number; seconds: number; headers?: Record<string, string> },
): Promise<LoadResult> {
  const { file, args, cleanup } = wrkRun(url, path, template, mark, o);
  try {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString();
    });
    const code = await new Promise<number | null>((r) => child.once("close", r));
    if (code !== 0) throw new Error(`wrk failed (${code}): ${err} (${file})`);
    return parseWrk(out);
  } finally {
    cleanup();
  }
}

/** wrk's arguments and Lua script for POSTing `template`, each request with its own value where `mark` stands. */
function wrkRun(
  url: string,
  path: string,
  template: string,
  mark: string,
  o: { connections: number; seconds: number; headers?: Record<string, string> },
) {
  // Every occurrence of the mark is the request's own id (an instance failure's event, node and instance ids).
  const parts = template.split(mark);
  if (parts.length < 2) throw new Error("wrk: the body template does not contain its mark");
  // A Lua long string whose closing bracket cannot occur in the body, nor be formed by a "]" the body ends with.
  let eq = "";
  while (parts.some((t) => `${t}]`.includes(`]${eq}]`))) eq += "=";
  const str = (s: string) => `[${eq}[${s}]${eq}]`;
  const headers = { "content-type": "application/json", ...o.headers };
  const script = `local parts = { ${parts.map(str).join(", ")} }
local run = "${randomUUID().slice(0, 8)}"
local headers = { ${Object.entries(headers)
    .map(([k, v]) => `[ ${str(k)} ] = ${str(v)}`)
    .join(", ")} }
local n = 0
function request()
  n = n + 1
  return wrk.format("POST", ${str(path)}, headers, table.concat(parts, run .. "-" .. n))
end
`;
  const dir = mkdtempSync(join(tmpdir(), "dw-wrk-"));
  const file = join(dir, "load.lua");
  writeFileSync(file, script);
  // wrk takes whole seconds.
  const seconds = Math.max(1, Math.round(o.seconds));
  const args = ["-t", "1", "-c", String(o.connections), "-d", `${seconds}s`, "--latency", "-s", file, url];
  return { file, args, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A counter read from a server's metrics page once it stopped moving (two reads 100 ms apart agree): after wrk
 * exits, requests it cut off in flight may still be counted by the server.
 */
export async function settledCount(url: string, path: string, line: RegExp): Promise<number> {
  const read = async () => {
    const text = await (await fetch(`${url}${path}`)).text();
    const m = line.exec(text);
    if (!m) throw new Error(`${url}${path} has no line matching ${line}`);
    return Number(m[1]);
  };
  let last = await read();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await read();
    if (now === last) return now;
    last = now;
  }
}

/** wrk's report: requests, duration, non-2xx and socket errors, p50 and p99 from `--latency`. */
export function parseWrk(out: string): LoadResult {
  const m = /(\d+) requests in ([\d.]+)(us|ms|s|m)\b/.exec(out);
  if (!m) throw new Error(`no request count in wrk's output: ${out}`);
  const requests = Number(m[1]);
  const seconds = toMs(Number(m[2]), m[3] as string) / 1000;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors =
    Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) +
    (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  const pct = (p: string) => {
    const q = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(out);
    return q ? toMs(Number(q[1]), q[2] as string) : Number.NaN;
  };
  return { requests, errors, seconds, rps: requests / seconds, p50: pct("50"), p99: pct("99") };
}

const toMs = (n: number, unit: string) => n * ({ us: 0.001, ms: 1, s: 1000, m: 60000 }[unit] ?? Number.NaN);

export function eventBody(name: string): () => string {
  const base = fixture(name);
  return () => JSON.stringify({ ...base, id: randomUUID() });
}

export const fmt = (n: number, d = 1) => n.toFixed(d);

/** Remove every key a bench bot wrote under its prefix. */
export async function deletePrefix(prefix: string): Promise<number> {
  const { Redis } = await import("ioredis");
  const r = new Redis(REDIS_URL);
  let n = 0;
  let cursor = "0";
  do {
    const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) n += await r.del(...keys);
  } while (cursor !== "0");
  r.disconnect();
  return n;
}

/**
 * A process' peak RSS (VmHWM, the kernel's high-water mark: no sampling gap), current RSS and CPU time (user +
 * system) from /proc. CPU per event is the figure that least depends on what else the machine runs.
 */
export function procStats(pid: number): { peakRssMiB: number; rssMiB: number; cpuMs: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name; clock ticks of 10 ms on Linux.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { peakRssMiB: kib("VmHWM") / 1024, rssMiB: kib("VmRSS") / 1024, cpuMs: ticks * 10 };
}

/** Redis' own CPU time so far (user + system, ms, from INFO cpu): what the bot makes Redis do costs the same cores. */
export async function redisCpuMs(): Promise<number> {
  const { Redis } = await import("ioredis");
  const r = new Redis(REDIS_URL);
  const info = await r.info("cpu");
  r.disconnect();
  const sec = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (sec("used_cpu_user") + sec("used_cpu_sys")) * 1000;
}

/** This process' CPU time so far (ms): the load generator and the fake chat server share it. */
export const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU of the children this process has waited for (wrk runs), from /proc/self/stat's cutime + cstime. */
export const childrenCpuMs = (): number => {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  // After "(comm) ": state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here; clock ticks of 10 ms.
  return (Number(fields[13]) + Number(fields[14])) * 10;
};

/** The 1-minute load average, to print beside every figure (the machine is shared). */
export const load1 = () => loadavg()[0] ?? 0;

/**
 * A client's own cost per call (bench:slack-client, bench:cn-client): `call` made `count` times by CONCURRENCY
 * callers (16) after `warmup` calls; this process' CPU µs per call and collections per 1,000 calls.
 */
export async function clientCost(
  call: () => Promise<unknown>,
  o: { warmup: number; count: number },
): Promise<{ us: number; gcs: number }> {
  const concurrency = Number(process.env.CONCURRENCY ?? 16);
  const run = async (n: number) => {
    let i = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (i++ < n) await call();
      }),
    );
  };
  await run(o.warmup);
  let collections = 0;
  const gc = new PerformanceObserver((l) => {
    collections += l.getEntries().length;
  });
  gc.observe({ entryTypes: ["gc"] });
  const cpu = process.cpuUsage();
  await run(o.count);
  const used = process.cpuUsage(cpu);
  await new Promise((r) => setTimeout(r, 50));
  gc.disconnect();
  return { us: (used.user + used.system) / o.count, gcs: (collections * 1000) / o.count };
}

/** The table of clientCost results by case, each case's runs in order: medians, every run's µs, collections. */
export function clientCostTable(title: string, per: string, results: Map<string, Array<{ us: number; gcs: number }>>) {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return [
    title,
    `| case | client CPU µs per ${per} (median; each run) | scavenges per 1,000 ${per}s (median) |`,
    "|---|---|---|",
    ...[...results].map(
      ([name, rs]) =>
        `| ${name} | **${fmt(median(rs.map((x) => x.us)), 0)}** (${rs.map((x) => fmt(x.us, 0)).join(", ")}) | ${fmt(median(rs.map((x) => x.gcs)), 1)} |`,
    ),
    "",
  ].join("\n");
}
