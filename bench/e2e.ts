/**
 * Benchmark 2: end to end, events → fake Slack deliveries per second, rate limits and digests off.
 *   npm run bench:e2e   (EVENTS=5000 RUNS=1)
 * BENCH_ROOTS=/a,/b: each run runs the bot of each checkout in turn (interleaved: load changes hit all alike).
 * NODE_VARIANTS="; --flag=1; --flag=2": each run also runs each root once per set of Node options (";" between sets,
 * an empty set is the shipped options alone), to compare V8 settings in the same interleaving.
 */
import { runE2e } from "./e2e-run.js";
import { fmt, load1, nodeVariants, ROOT } from "./lib.js";

const events = Number(process.env.EVENTS ?? 5000);
const runs = Number(process.env.RUNS ?? 1);
const roots = process.env.BENCH_ROOTS?.split(",") ?? [process.env.BENCH_ROOT ?? ROOT];
const lines = [
  `end-to-end benchmark ${new Date().toISOString()}, load average ${fmt(load1(), 2)} at the start`,
  "| code | events | all delivered after | deliveries/s | bot CPU ms/event | Redis CPU ms/event | generator + fake Slack CPU ms/event | bot idle RSS | bot peak RSS | bot peak heapUsed / heapTotal / external |",
  "|---|---|---|---|---|---|---|---|---|---|",
];
const variants = nodeVariants();
const generators: string[] = [];
for (let i = 0; i < runs; i++)
  for (const root of roots)
    for (const nodeOptions of variants) {
      const r = await runE2e(events, { root, nodeOptions });
      if (!generators.includes(r.generator)) generators.push(r.generator);
      if (r.delivered !== r.sent) throw new Error(`posted ${r.sent} but the fake Slack has ${r.delivered}`);
      lines.push(
        `| ${[root, ...nodeOptions].join(" ")} | ${r.sent} | ${fmt(r.seconds)} s | **${fmt(r.perSecond, 0)}** | ${fmt(r.cpuMsPerEvent, 2)} | ${fmt(r.redisCpuMsPerEvent, 2)} | ${fmt(r.benchCpuMsPerEvent, 2)} | ${fmt(r.idleRssMiB, 0)} MiB | ${fmt(r.peakRssMiB, 0)} MiB | ${fmt(r.peak.heapUsed, 0)} / ${fmt(r.peak.heapTotal, 0)} / ${fmt(r.peak.external, 0)} MiB |`,
      );
    }
lines.push(`load average ${fmt(load1(), 2)} at the end; events posted by ${generators.join(", ")}`, "");
process.stdout.write(lines.join("\n"));
