/**
 * Benchmark 5: Alertmanager side by side with our end-to-end run, on the same box in the same run. Debian's
 * `prometheus-alertmanager` (installed with apt-get when missing; skipped with a message when that fails, never a
 * made-up figure) on a free port, clustering off, one alert per group (`group_by: ['...']`, every label), group_wait
 * 0s, to a local webhook receiver. EVENTS alerts are posted to /api/v2/alerts like our events: one per request, 16
 * keep-alive connections, from wrk when installed (as our run's), and timed until the webhook has as many
 * notifications as Alertmanager counted alerts received. Then our e2e (bench/e2e-run.ts)
 * with the same count, then the same run with the floor in place of the bot (bench/servers/relay.ts: a route doing one
 * BullMQ add and a worker posting each job to the fake Slack, nothing else): what any bot on this stack with the
 * same guarantees costs at least; and the floor of a design without a job per event (RELAY=inline there). RUNS
 * rounds, interleaved.
 *   npm run bench:alertmanager   (EVENTS=5000 RUNS=2)
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runE2e } from "./e2e-run.js";
import { fmt, hasWrk, type LoadResult, load, load1, procStats, settledCount, wrkLoadAsync } from "./lib.js";

const events = Number(process.env.EVENTS ?? 5000);
const runs = Number(process.env.RUNS ?? 2);
const BIN = "prometheus-alertmanager";

function installed(): string | undefined {
  const v = () => spawnSync(BIN, ["--version"], { encoding: "utf8" });
  let r = v();
  if (r.status !== 0) {
    process.stderr.write(`${BIN} not found; trying apt-get install -y ${BIN}\n`);
    const apt = spawnSync("apt-get", ["install", "-y", "--no-install-recommends", BIN], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (apt.status !== 0) return undefined;
    r = v();
  }
  if (r.status !== 0) return undefined;
  return /version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? "unknown";
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Counts notifications (POSTs) and the alerts in them. */
async function webhook(): Promise<{ url: string; notifications: () => number; alerts: () => number; server: Server }> {
  let notifications = 0;
  let alerts = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      notifications++;
      alerts += (JSON.parse(Buffer.concat(chunks).toString()) as { alerts: unknown[] }).alerts.length;
      res.end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, notifications: () => notifications, alerts: () => alerts, server };
}

async function runAlertmanager() {
  const hook = await webhook();
  const dir = mkdtempSync(join(tmpdir(), "bench-am-"));
  writeFileSync(
    join(dir, "alertmanager.yml"),
    [
      "route:",
      "  receiver: hook",
      "  group_by: ['...']",
      "  group_wait: 0s",
      "  group_interval: 1s",
      "  repeat_interval: 24h",
      "receivers:",
      "  - name: hook",
      "    webhook_configs:",
      `      - url: ${hook.url}`,
      "        send_resolved: false",
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const am: ChildProcess = spawn(
    BIN,
    [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 100) throw new Error("alertmanager did not become ready in 10 s");
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = am.pid as number;
  const idle = procStats(pid);
  const startsAt = new Date().toISOString();
  const alert = (id: string) => [
    {
      labels: { alertname: "InstanceFailed", id, severity: "critical", nodeId: "700001234003" },
      annotations: { summary: "Instance failed: node 700001234003" },
      startsAt,
    },
  ];
  const mark = randomUUID();
  const template = JSON.stringify(alert(mark));
  const body = () => JSON.stringify(alert(randomUUID()));
  // The same generator as our run's (bench/e2e-run.ts): wrk when installed.
  const generator = hasWrk() ? "wrk" : "undici";
  const post = (): Promise<LoadResult> =>
    generator === "wrk"
      ? wrkLoadAsync(url, "/api/v2/alerts", template, mark, { connections: 16, seconds: 1 })
      : load(url, "/api/v2/alerts", body, { connections: 16, seconds: 0.5 });
  const t0 = performance.now();
  let posted = 0;
  while (posted < events) {
    const r = await post();
    // wrk counts the connections it cuts at its end as socket errors; what Alertmanager took is counted below.
    if (r.errors && generator === "undici") throw new Error(`alertmanager refused ${r.errors} posts`);
    posted += r.requests;
  }
  // What Alertmanager took (wrk may cut off requests in flight that it still received).
  const sent = await settledCount(
    url,
    "/metrics",
    /^alertmanager_alerts_received_total\{status="firing",version="v2"\} (\d+)/m,
  );
  const deadline = performance.now() + 120_000;
  while (hook.notifications() < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const done = procStats(pid);
  const result = {
    sent,
    notifications: hook.notifications(),
    alerts: hook.alerts(),
    seconds,
    perSecond: hook.notifications() / seconds,
    idleRssMiB: idle.rssMiB,
    peakRssMiB: done.peakRssMiB,
    cpuMsPerEvent: (done.cpuMs - idle.cpuMs) / sent,
  };
  await new Promise<void>((r) => {
    am.once("exit", () => r());
    am.kill("SIGTERM");
  });
  hook.server.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

const version = installed();
if (!version) {
  process.stdout.write(
    `SKIPPED: ${BIN} is not installed and apt-get could not install it (not root, or no Debian package source); no Alertmanager figure.\n`,
  );
  process.exit(0);
}
const lines = [
  `Alertmanager ${version} vs dw-chatops end to end, ${events} each, ${new Date().toISOString()}, load average ${fmt(load1(), 2)} at the start`,
  "| run | system | posted | delivered | after | per second | CPU ms/event | idle RSS | peak RSS |",
  "|---|---|---|---|---|---|---|---|---|",
];
const ratios: number[] = [];
const floorRatios: number[] = [];
const inlineRatios: number[] = [];
for (let i = 1; i <= runs; i++) {
  const a = await runAlertmanager();
  lines.push(
    `| ${i} | Alertmanager ${version} → webhook | ${a.sent} | ${a.notifications} notifications (${a.alerts} alerts) | ${fmt(a.seconds)} s | **${fmt(a.perSecond, 0)}** | ${fmt(a.cpuMsPerEvent, 2)} | ${fmt(a.idleRssMiB, 0)} MiB | ${fmt(a.peakRssMiB, 0)} MiB |`,
  );
  const d = await runE2e(events);
  lines.push(
    `| ${i} | dw-chatops → fake Slack | ${d.sent} | ${d.delivered} messages | ${fmt(d.seconds)} s | **${fmt(d.perSecond, 0)}** | ${fmt(d.cpuMsPerEvent, 2)} | ${fmt(d.idleRssMiB, 0)} MiB | ${fmt(d.peakRssMiB, 0)} MiB |`,
  );
  const f = await runE2e(events, { relay: "job" });
  lines.push(
    `| ${i} | floor: Fastify + BullMQ add, worker → fake Slack | ${f.sent} | ${f.delivered} messages | ${fmt(f.seconds)} s | **${fmt(f.perSecond, 0)}** | ${fmt(f.cpuMsPerEvent, 2)} | ${fmt(f.idleRssMiB, 0)} MiB | ${fmt(f.peakRssMiB, 0)} MiB |`,
  );
  const g = await runE2e(events, { relay: "inline" });
  lines.push(
    `| ${i} | floor without a job: Fastify + dedupe and inbox script, post, inbox out → fake Slack | ${g.sent} | ${g.delivered} messages | ${fmt(g.seconds)} s | **${fmt(g.perSecond, 0)}** | ${fmt(g.cpuMsPerEvent, 2)} | ${fmt(g.idleRssMiB, 0)} MiB | ${fmt(g.peakRssMiB, 0)} MiB |`,
  );
  inlineRatios.push(g.perSecond / a.perSecond);
  if (a.notifications < a.sent) lines.push(`run ${i}: Alertmanager sent ${a.notifications} of ${a.sent} in 120 s`);
  ratios.push(d.perSecond / a.perSecond);
  floorRatios.push(f.perSecond / a.perSecond);
}
lines.push(
  "",
  `dw-chatops / Alertmanager per second: ${ratios.map((r) => `${fmt(r, 2)}×`).join(", ")}; the floor / Alertmanager: ${floorRatios.map((r) => `${fmt(r, 2)}×`).join(", ")}; without a job: ${inlineRatios.map((r) => `${fmt(r, 2)}×`).join(", ")}; load average ${fmt(load1(), 2)} at the end`,
  "",
);
process.stdout.write(lines.join("\n"));
