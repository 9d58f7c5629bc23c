import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The setup guides and adapter READMEs are what an admin copies from: an environment variable they name must be
 * the one the example configuration names (a guide said DINGTALK_APP_SECRET where the example reads
 * DINGTALK_CLIENT_SECRET, so the copied config failed on a missing variable).
 */
const ROOT = join(import.meta.dirname, "..", "..", "..");
const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
const EXAMPLE = read("dw-chatops.example.yaml");
const GUIDES = [
  ...readdirSync(join(ROOT, "docs"))
    // The guides admins copy from; docs/configuration.md explains the ${VAR} syntax itself with made-up names.
    .filter((f) => f.startsWith("setup-") && f.endsWith(".md"))
    .map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, "adapters")).map((a) => `adapters/${a}/README.md`),
].filter((p) => {
  try {
    read(p);
    return true;
  } catch {
    return false;
  }
});
/** Placeholders the docs use to explain the syntax itself. */
const GENERIC = new Set(["ENV", "ENV_VAR", "VAR", "NAME"]);

describe("environment variables in the guides", () => {
  it("reads the guides", () => expect(GUIDES).toContain("docs/setup-dingtalk.md"));

  for (const path of GUIDES) {
    it(`${path} names only variables the example configuration lists`, () => {
      const named = [...read(path).matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)]
        .map((m) => m[1] as string)
        .filter((v) => !GENERIC.has(v));
      const unknown = [...new Set(named)].filter((v) => !new RegExp(`\\b${v}\\b`).test(EXAMPLE));
      expect(unknown).toEqual([]);
    });
  }
});
