/**
 * Benchmark: rendering alone, in the bot's process as a delivery does it — template → neutral Message → the
 * platform's payload — for the e2e bench's event (kill-instance) and the highest-volume one (instance-status-changes).
 * Each case prints CPU µs and KB allocated per render.
 *   npm run bench:render-loop   (RUNS=3, N=4000 renders per case and run)
 * BENCH_ROOTS=/a,/b: each checkout compiled and run in its own process, in turn within each run (interleaved).
 *
 * Bytes: a fresh process with a 64 MiB young generation, collected before each batch of 100 renders; a batch
 * during which V8 collected anything is not counted (heapUsed would have shrunk).
 */
import { spawnSync } from "node:child_process";
import { ROOT } from "./lib.js";

const runs = Number(process.env.RUNS ?? 3);
const n = Number(process.env.N ?? 4000);
const roots = process.env.BENCH_ROOTS?.split(",") ?? [ROOT];
const fixtures = ["kill-instance", "instance-status-changes"];
const platforms = ["slack", "lark", "dingtalk"];

for (const root of roots) {
  const b = spawnSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) throw new Error(`npm run build failed in ${root}`);
}

// The child: plain JS against the checkout's dist/, no loader.
const child = (root: string) => `
const { readFileSync } = await import("node:fs");
const { PerformanceObserver } = await import("node:perf_hooks");
const { TemplateEngine } = await import(${JSON.stringify(`${root}/dist/src/templating/engine.js`)});
const { rendererFor } = await import(${JSON.stringify(`${root}/dist/src/platforms.js`)});
const { parseEnvelopes } = await import(${JSON.stringify(`${root}/dist/src/dataworks/envelope.js`)});
const engine = new TemplateEngine({ dirs: [${JSON.stringify(`${root}/templates`)}], timeZone: "Asia/Shanghai",
  consoleUrl: "https://dataworks.data.aliyun.com", regionId: "cn-hangzhou" });
let gcs = 0;
new PerformanceObserver((l) => { gcs += l.getEntries().length; }).observe({ entryTypes: ["gc"] });
const out = [];
for (const name of ${JSON.stringify(fixtures)}) {
  const body = JSON.parse(readFileSync(${JSON.stringify(`${ROOT}/test/fixtures/events/`)} + name + ".json", "utf8"));
  const event = parseEnvelopes(body).events[0];
  for (const platform of ${JSON.stringify(platforms)}) {
    const render = rendererFor(platform);
    const once = () => engine.renderOverride(event, platform, "en") ?? render(engine.render(event, "en", { enrich: {} }));
    for (let i = 0; i < 500; i++) once();
    const t0 = process.cpuUsage();
    for (let i = 0; i < ${n}; i++) once();
    const t = process.cpuUsage(t0);
    const bytes = [];
    for (let k = 0; k < 20; k++) {
      globalThis.gc();
      await new Promise((r) => setImmediate(r));
      const g = gcs, h = process.memoryUsage().heapUsed;
      for (let i = 0; i < 100; i++) once();
      const d = process.memoryUsage().heapUsed - h;
      if (gcs === g && d > 0) bytes.push(d / 100);
    }
    bytes.sort((a, b) => a - b);
    out.push({ name, platform, us: (t.user + t.system) / ${n}, kb: bytes.length ? bytes[bytes.length >> 1] / 1024 : NaN });
  }
}
console.log(JSON.stringify(out));
`;

const results = new Map<string, { us: number[]; kb: number[] }>();
for (let r = 0; r < runs; r++)
  for (const root of roots) {
    const p = spawnSync(
      process.execPath,
      ["--expose-gc", "--max-semi-space-size=64", "--min-semi-space-size=64", "--input-type=module", "-e", child(root)],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    if (p.status !== 0) throw new Error(`render loop in ${root} exited with ${p.status}`);
    for (const x of JSON.parse(p.stdout) as Array<{ name: string; platform: string; us: number; kb: number }>) {
      const key = `${root} | ${x.name} | ${x.platform}`;
      const e = results.get(key) ?? { us: [], kb: [] };
      e.us.push(x.us);
      e.kb.push(x.kb);
      results.set(key, e);
    }
  }

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
const all = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(", ");
console.log(`render loop ${new Date().toISOString()}, ${runs} runs × ${n} renders per case\n`);
console.log(
  "| code | event | platform | CPU µs/render median (runs) | KB/render median (runs) |\n|---|---|---|---|---|",
);
for (const [key, e] of results)
  console.log(`| ${key} | **${med(e.us).toFixed(1)}** (${all(e.us)}) | **${med(e.kb).toFixed(1)}** (${all(e.kb)}) |`);
