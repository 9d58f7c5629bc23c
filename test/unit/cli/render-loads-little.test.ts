import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * A one-shot `dw-chatops render` must not load the queue, the HTTP server or any platform SDK: they cost seconds
 * of start-up on a busy machine (bench/render.ts prints the time). Follows the static (non-type) imports from the
 * CLI entry and the render command; dynamic import() is how the CLI defers the rest.
 */
const ROOT = join(import.meta.dirname, "..", "..", "..");
const HEAVY = [
  /^bullmq/,
  /^fastify/,
  /^ioredis/,
  /^@slack\//,
  /^@larksuiteoapi\//,
  /^@alicloud\//,
  /^undici/,
  /^ws$/,
  /^pino/,
  /^prom-client/,
];

function staticImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(import|export)\s+(?!type\s)[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[2] as string);
}

/** Every package reached from `entry` through static imports, with the chain that reached it. */
function packagesReached(entry: string): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string, chain: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith("node:")) continue;
      if (!spec.startsWith(".")) {
        if (!packages.has(spec)) packages.set(spec, `${chain} → ${spec}`);
        continue;
      }
      const ts = resolve(dirname(file), spec).replace(/\.js$/, ".ts");
      if (existsSync(ts)) visit(ts, `${chain} → ${relative(ROOT, ts)}`);
    }
  };
  visit(join(ROOT, entry), entry);
  return packages;
}

describe("what `dw-chatops render` loads", () => {
  for (const entry of ["src/cli/main.ts", "src/cli/render.ts"])
    it(`${entry} reaches no queue, server or SDK package statically`, () => {
      const heavy = [...packagesReached(entry)].filter(([p]) => HEAVY.some((h) => h.test(p))).map(([, chain]) => chain);
      expect(heavy).toEqual([]);
    });

  it("follows imports far enough to see the templates and the renderers", () => {
    const reached = [...packagesReached("src/cli/render.ts").keys()];
    expect(reached).toEqual(expect.arrayContaining(["handlebars", "yaml", "zod"]));
  });
});
