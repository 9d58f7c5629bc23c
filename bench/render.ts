/**
 * Benchmark 4: one offline `dw-chatops render`, as a user runs it (the compiled CLI in a fresh process), against
 * two baselines timed in the same run, round-robin so machine load hits every case alike:
 *   - bare Node start-up (the floor no CLI can beat),
 *   - what `render` loaded before it was made lazy: the runtime (BullMQ, Fastify, the platform SDKs) and every
 *     template compiled, without rendering anything.
 *   npm run bench:render   (RUNS=15; runs `npm run build` first)
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fmt, ROOT } from "./lib.js";

const runs = Number(process.env.RUNS ?? 15);
// Always rebuild: a stale dist/ would time old code.
const build = spawnSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) throw new Error("npm run build failed");

const cli = join(ROOT, "bin/dw-chatops.js");
const before = `
  const { loadConfig } = await import("./dist/src/config/load-config.js");
  const { createTemplateEngine } = await import("./dist/src/templating/create-engine.js");
  await import("./dist/src/runtime.js");
  createTemplateEngine(loadConfig({}).config, "eager");`;
const cases: Array<{ name: string; args: string[] }> = [
  { name: "node -e 0 (bare start-up)", args: ["-e", "0"] },
  {
    name: "render a notification (slack, en)",
    args: [cli, "render", "examples/events/01-instance-failed.json", "--platform", "slack"],
  },
  {
    name: "render an approval card (lark, zh-CN)",
    args: [cli, "render", "examples/events/03-commit-file.json", "--platform", "lark", "--locale", "zh-CN"],
  },
  { name: "before: runtime + all templates loaded", args: ["--input-type=module", "-e", before] },
];

// No config file in a scratch cwd would change what is loaded; run from the package root with its local defaults.
const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
const loadAtStart = loadavg()
  .map((l) => fmt(l, 1))
  .join(" ");
// CPU time (user + system) of each process, printed by a preload at exit: far less sensitive to machine load
// than the wall time, which on a shared machine is mostly waiting for a core.
const cpuProbe = `data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("CPU_US "+(u.user+u.system)+"\\n")})`;
const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
const cpu = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let i = 0; i < runs; i++) {
  for (const c of cases) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ["--import", cpuProbe, ...c.args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${c.name} exited with ${r.status}: ${r.stderr}`);
    times.get(c.name)?.push(ms);
    cpu.get(c.name)?.push(Number(/CPU_US (\d+)/.exec(String(r.stderr))?.[1]) / 1000);
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};
console.log(`load average at the start: ${loadAtStart}\n`);
console.log("| case | wall median ms | wall p90 ms | wall min ms | CPU median ms | runs |\n|---|---|---|---|---|---|");
for (const c of cases) {
  const xs = times.get(c.name) ?? [];
  const cs = cpu.get(c.name) ?? [];
  console.log(
    `| ${c.name} | ${fmt(pct(xs, 50), 0)} | ${fmt(pct(xs, 90), 0)} | ${fmt(Math.min(...xs), 0)} | ${fmt(pct(cs, 50), 0)} | ${xs.length} |`,
  );
}
const median = (m: Map<string, number[]>, i: number) => pct(m.get(cases[i]?.name ?? "") ?? [], 50);
console.log(
  `\nrender: median ${fmt(median(times, 1), 0)} ms wall, ${fmt(median(cpu, 1), 0)} ms CPU; ` +
    `loading what it loaded before: ${fmt(median(times, 3) / median(times, 1), 1)}× the wall time, ` +
    `${fmt(median(cpu, 3) / median(cpu, 1), 1)}× the CPU`,
);
