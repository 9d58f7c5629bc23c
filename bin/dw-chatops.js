#!/usr/bin/env node
// Runs the compiled CLI (npm run build). `npm start` builds first.
import { existsSync } from "node:fs";

const entry = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("dw-chatops is not built yet: run `npm run build` (or `npm start`, which builds first)\n");
  process.exit(1);
}
await import(entry.href);
