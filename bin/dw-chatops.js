#!/usr/bin/env node
// Runs the compiled CLI (npm run build). `npm start` builds first.
import { existsSync } from "node:fs";
import { setFlagsFromString } from "node:v8";

// V8 lets the old generation grow to several times what is live before it collects it again; under a steady stream
// of events that slack, not anything the bot keeps, was most of its peak memory. 40 % past the live size is a soft
// target: V8 collects sooner, and when more is live the heap still grows past it (no limit is hard, nothing is
// refused). Node accepts this flag on its command line but not in NODE_OPTIONS, so it is set here, before any real
// work, unless given on the command line (node --heap-growing-percent=N bin/dw-chatops.js …).
// docs/operations.md "Memory" has the figures and the young-generation setting that goes with it.
if (!process.execArgv.some((a) => /^--heap[-_]growing[-_]percent\b/.test(a)))
  setFlagsFromString("--heap-growing-percent=40");

const entry = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("dw-chatops is not built yet: run `npm run build` (or `npm start`, which builds first)\n");
  process.exit(1);
}
await import(entry.href);
