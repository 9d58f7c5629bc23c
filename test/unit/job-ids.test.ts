import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
  alertJobId,
  cardJobId,
  cardUpdateJobId,
  decisionJobId,
  deliveryJobId,
  escalationJobId,
  escalationMessageJobId,
  eventJobId,
  factsJobId,
  timeoutJobId,
} from "../../src/jobs/queues.js";

const ROOT = join(import.meta.dirname, "..", "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("job ids", () => {
  // Jobs already in Redis (delayed deadlines, completed ids kept as idempotency keys) carry these ids: a new
  // release must build the same ones, or a re-run would add a second job.
  it("keep the formats of the jobs already queued", () => {
    expect(eventJobId("5f0c")).toBe("e.5f0c");
    expect(deliveryJobId("e.5f0c", "ops")).toBe("d.e.5f0c.ops");
    expect(cardJobId("ap1", "ops")).toBe("c.ap1.ops");
    expect(cardUpdateJobId("ap1", "ops", "decided.OK.accepted")).toBe("u.ap1.ops.decided.OK.accepted");
    expect(cardUpdateJobId("ap1", "ops", "decided.OK", "pending")).toBe("u.ap1.ops.decided.OK.after.pending");
    expect(alertJobId("ap1", "ops")).toBe("alert.ap1.ops");
    expect(timeoutJobId("ap1")).toBe("t.ap1");
    expect(decisionJobId("ap1")).toBe("ap1");
    expect(factsJobId("ap1")).toBe("f.ap1");
    expect(escalationJobId("ev1", "prod failures", 2)).toBe("esc.ev1.2.prod%20failures");
    expect(escalationMessageJobId("ev1", "prod", 1, "ops")).toBe("escm.ev1.1.ops.prod");
  });

  it("are built only in src/jobs/queues.ts (no job id written inline)", () => {
    const home = join("src", "jobs", "queues.ts");
    const inline = files(join(ROOT, "src"))
      .filter((f) => relative(ROOT, f) !== home)
      .flatMap((f) =>
        readFileSync(f, "utf8")
          .split("\n")
          .map((line, i) => ({ line, at: `${relative(ROOT, f)}:${i + 1}` }))
          // A template string or a bare id given as a job id (`jobId: a.id`); a job's own id (`job.id`) is only logged.
          .filter(({ line }) => /jobId\s*[:=]\s*(`|(?!job\.)[A-Za-z_$][\w$]*\.id\b)/.test(line))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(inline).toEqual([]);
  });
});
