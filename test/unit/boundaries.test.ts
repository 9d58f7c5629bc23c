import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function imports(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)].map(
    (m) => m[1] as string,
  );
}

/**
 * Dependencies point one way: adapters depend on src/core; only src/adapters.ts (create) and src/platforms.ts (their
 * pure half: renderers, targets) know the adapters.
 */
describe("module boundaries", () => {
  it("adapters/* import nothing from src/ but src/core", () => {
    const bad = files(join(ROOT, "adapters")).flatMap((f) =>
      imports(f)
        .filter((i) => i.includes("/src/") && !i.includes("/src/core/"))
        .map((i) => `${relative(ROOT, f)} → ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it("src/* imports adapters/* only in src/adapters.ts and src/platforms.ts (pure renderers and targets)", () => {
    const known = [join("src", "adapters.ts"), join("src", "platforms.ts")];
    const bad = files(join(ROOT, "src"))
      .filter((f) => !known.includes(relative(ROOT, f)))
      .flatMap((f) =>
        imports(f)
          .filter((i) => /(^|\/)\.\.\/(\.\.\/)*adapters\//.test(i))
          .map((i) => `${relative(ROOT, f)} → ${i}`),
      );
    expect(bad).toEqual([]);
  });

  it("src/outbox imports nothing from src/jobs (the jobs use the outbox, not the other way round)", () => {
    const bad = files(join(ROOT, "src", "outbox")).flatMap((f) =>
      imports(f)
        .filter((i) => /(^|\/)jobs\//.test(i))
        .map((i) => `${relative(ROOT, f)} → ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it("src/core imports nothing outside src/core", () => {
    const bad = files(join(ROOT, "src", "core")).flatMap((f) =>
      imports(f)
        .filter((i) => i.startsWith("..") || (!i.startsWith(".") && !i.startsWith("node:")))
        .map((i) => `${relative(ROOT, f)} → ${i}`),
    );
    expect(bad).toEqual([]);
  });

  it("only the config and the adapters know the platforms' webhook credentials", () => {
    // Each adapter turns its own destination config into a target (adapters/<platform>/target.ts). The logger names
    // these keys only to redact them; the doctor reads DingTalk's OAuth answer (its accessToken), no destination.
    const allowed = (f: string) =>
      f.startsWith(join("src", "config") + "/") ||
      f === join("src", "logger.ts") ||
      f === join("src", "cli", "doctor", "chat.ts");
    const field = /\.(webhookSecret|accessToken|webhook|webhookUrl)\b|\b(webhookSecret|accessToken|webhookUrl)\s*:/;
    const bad = files(join(ROOT, "src"))
      .map((f) => relative(ROOT, f))
      .filter((f) => !allowed(f))
      .flatMap((f) =>
        readFileSync(join(ROOT, f), "utf8")
          .split("\n")
          .flatMap((l, i) => (field.test(l) ? [`${f}:${i + 1}: ${l.trim()}`] : [])),
      );
    expect(bad).toEqual([]);
  });
});
