import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../../src/config/schema.js";

/**
 * docs/reliability.md derives the duplicate bound after a kill -9 from worker.concurrency and says when ingest
 * answers 503 (ingest.storeTimeout): the figures it names must be the defaults the code has.
 */
const DOC = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs/reliability.md"), "utf8");
const defaults = configSchema.parse({});

describe("docs/reliability.md", () => {
  it("states the kill -9 duplicate bound as the deliveries worker's concurrency default", () => {
    const m = /`worker\.concurrency` jobs at once \(default \*\*(\d+)\*\*/.exec(DOC);
    expect(m, "the bound's derivation is in the doc").not.toBeNull();
    expect(Number(m?.[1])).toBe(defaults.worker.concurrency);
    expect(DOC).toContain(`${defaults.worker.concurrency} with the\n  defaults`);
  });

  it("says a Redis outage is answered 503 after ingest.storeTimeout, with its default", () => {
    const m =
      /answers \*\*503\*\* once storing has not finished within\s+`ingest\.storeTimeout` \(default (\d+) s/.exec(DOC);
    expect(m).not.toBeNull();
    expect(Number(m?.[1]) * 1000).toBe(defaults.ingest.storeTimeout);
    expect(DOC).not.toMatch(/answered 202 afterwards rather than 503/);
  });

  it("names the fuzz body count together with the variable that changes it (10,000 by default, 3,000 in CI)", () => {
    const lines = DOC.split("\n");
    const named = lines.flatMap((l, i) => (/10,000|3,000/.test(l) ? [`${l} ${lines[i + 1] ?? ""}`] : []));
    expect(named.length).toBeGreaterThan(0);
    for (const l of named) expect(l).toMatch(/S8_BODIES/);
  });
});
