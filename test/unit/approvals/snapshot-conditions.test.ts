import { describe, expect, it } from "vitest";
import { approvalPath } from "../../../src/approvals/approval-path.js";
import { evaluatePolicies } from "../../../src/approvals/policies.js";
import { factConditions, linesSummary, matchingLines } from "../../../src/approvals/snapshot/conditions.js";
import { codeDiff } from "../../../src/approvals/snapshot/diff.js";
import type { SettledFacts } from "../../../src/approvals/snapshot/fetch.js";
import { parseConfig } from "../../../src/config/load-config.js";
import type { PolicyConfig } from "../../../src/config/sections/approvals.js";
import type { DwEvent } from "../../../src/core/event.js";
import { parseEnvelopes } from "../../../src/dataworks/envelope.js";
import { fixture } from "../../helpers/fixtures.js";

function event(code: string, data: Record<string, unknown> = {}): DwEvent {
  const raw = fixture(code);
  const r = parseEnvelopes({ ...raw, data: { ...(raw.data as object), ...data } });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.events[0]!;
}

const BEFORE = "SELECT 1;\n";
const DANGER = "-- nightly\nINSERT INTO t SELECT 1;\ndrop   table tmp_old;\nSELECT 2;\nTRUNCATE TABLE t2;\n";

function fileFacts(after: string, changeType: "CREATE" | "UPDATE" | "DELETE" = "UPDATE"): SettledFacts {
  return {
    status: "ok",
    facts: {
      kind: "file",
      file: { kind: "file", content: after, changeType, fileName: "job" },
      base: { version: 6, source: "previous" },
      diff: codeDiff(BEFORE, after),
      baseContent: BEFORE,
      schedule: [],
    },
  };
}

const policies = (when: Record<string, unknown>, decide = "block", extra: Record<string, unknown> = {}) =>
  parseConfig({ approvals: { policies: [{ name: "no drops", when, decide, ...extra }] } }, {}).approvals.policies;
const when = (w: Record<string, unknown>) => policies(w)[0]!.when as PolicyConfig["when"];

describe("snapshot conditions (pure)", () => {
  it("codeMatches: case-insensitive, the matching lines 1-based, a match across lines counted where it starts", () => {
    const v = factConditions(when({ codeMatches: "DROP\\s+TABLE|TRUNCATE" }), event("commit-file"), fileFacts(DANGER));
    expect(v).toEqual({
      holds: true,
      lines: [
        { line: 3, text: "drop   table tmp_old;" },
        { line: 5, text: "TRUNCATE TABLE t2;" },
      ],
    });
    expect(matchingLines("a\nDROP\n  TABLE x\n", /DROP\s+TABLE/i)).toEqual([{ line: 2, text: "DROP" }]);
  });

  it("codeMatches: at most 20 lines, each cut", () => {
    const code = Array.from({ length: 50 }, (_, i) => `DROP TABLE t${i} ${"x".repeat(300)};`).join("\n");
    const lines = matchingLines(code, /drop/i);
    expect(lines).toHaveLength(20);
    expect(lines[19]!.line).toBe(20);
    expect(lines[0]!.text.length).toBe(200);
    expect(lines[0]!.text.endsWith("…")).toBe(true);
  });

  it("codeMatches reads the code about to run, and a download's SQL without any snapshot", () => {
    const run: SettledFacts = { status: "ok", facts: { kind: "run", run: { kind: "run", content: "TRUNCATE t;" } } };
    expect(factConditions(when({ codeMatches: "truncate" }), event("run-file"), run)).toMatchObject({ holds: true });
    const dl = event("download-resources", { sqlText: "select * from users\nwhere 1=1 -- DROP TABLE" });
    const none: SettledFacts = { status: "unavailable", why: "no snapshot of downloads" };
    expect(factConditions(when({ codeMatches: "drop table" }), dl, none)).toEqual({
      holds: true,
      lines: [{ line: 2, text: "where 1=1 -- DROP TABLE" }],
    });
  });

  it("a deleted file has no new code: codeMatches does not hold; changeTypes [DELETE] does", () => {
    const del = fileFacts(DANGER, "DELETE");
    expect(factConditions(when({ codeMatches: "drop" }), event("delete-file"), del)).toEqual({ holds: false });
    expect(factConditions(when({ changeTypes: ["DELETE"] }), event("delete-file"), del)).toEqual({
      holds: true,
      lines: [],
    });
    expect(factConditions(when({ changeTypes: ["DELETE"] }), event("commit-file"), fileFacts(DANGER))).toEqual({
      holds: false,
    });
  });

  it('changeTypes falls back to the event\'s own changeType ("2" = delete) when the snapshot is missing', () => {
    expect(
      factConditions(when({ changeTypes: ["DELETE"] }), event("commit-file", { changeType: "2" }), undefined),
    ).toMatchObject({ holds: true });
    expect(
      factConditions(when({ changeTypes: ["DELETE"] }), event("commit-file", { changeType: "1" }), undefined),
    ).toEqual({ holds: false });
  });

  it("diffLinesOver: added + removed lines of the change", () => {
    const f = fileFacts(DANGER); // +5 −1
    expect(factConditions(when({ diffLinesOver: 5 }), event("commit-file"), f)).toMatchObject({ holds: true });
    expect(factConditions(when({ diffLinesOver: 6 }), event("commit-file"), f)).toEqual({ holds: false });
  });

  it("facts not available: the condition does not hold and says why", () => {
    const e = event("commit-file");
    expect(factConditions(when({ codeMatches: "drop" }), e, undefined)).toEqual({
      holds: false,
      unknown: "no code known: the snapshot did not arrive within the budget",
    });
    expect(factConditions(when({ diffLinesOver: 0 }), e, { status: "unavailable", why: "Throttling" })).toEqual({
      holds: false,
      unknown: "no code change known: Throttling",
    });
  });

  it("linesSummary stays within its bound", () => {
    const lines = Array.from({ length: 40 }, (_, i) => ({ line: i + 1, text: `DROP TABLE table_number_${i};` }));
    const s = linesSummary(lines, 120);
    expect(s.length).toBeLessThanOrEqual(120);
    expect(s.startsWith("line 1 DROP TABLE table_number_0; | line 2")).toBe(true);
    expect(s.endsWith("…")).toBe(true);
  });
});

describe("policies with snapshot conditions", () => {
  const now = Date.parse("2026-12-07T10:00:00+08:00");

  it("block: the decision message names the lines", () => {
    const out = evaluatePolicies(
      event("commit-file"),
      policies({ codeMatches: "drop\\s+table" }),
      now,
      fileFacts(DANGER),
    );
    expect(out).toEqual({
      kind: "decide",
      result: "FAIL",
      policy: "no drops",
      message: 'Blocked by policy "no drops": line 3 drop   table tmp_old;',
    });
  });

  it("warn with a message of its own: the lines follow it", () => {
    const p = policies({ codeMatches: "truncate" }, "warn", { message: "Careful" });
    expect(evaluatePolicies(event("commit-file"), p, now, fileFacts(DANGER))).toMatchObject({
      result: "WARN",
      message: "Careful: line 5 TRUNCATE TABLE t2;",
    });
  });

  it("ask: the route's card gets the matching lines as a highlight", () => {
    const route = parseConfig(
      {
        destinations: { ops: { platform: "console" } },
        approvals: {
          policies: [{ name: "risky sql", when: { codeMatches: "drop|truncate" }, decide: "ask" }],
          routes: [{ name: "prod", destinations: ["ops"], approvers: { users: { console: ["*"] } } }],
        },
      },
      {},
    );
    const path = approvalPath(event("commit-file"), route.approvals.routes[0], route.approvals, now, fileFacts(DANGER));
    expect(path).toMatchObject({
      kind: "ask",
      policy: "risky sql",
      highlights: [
        {
          policy: "risky sql",
          lines: [
            { line: 3, text: "drop   table tmp_old;" },
            { line: 5, text: "TRUNCATE TABLE t2;" },
          ],
        },
      ],
    });
  });

  it("late facts: the policy does not decide, the next one does, and the skipped one is reported", () => {
    const p = [
      ...policies({ codeMatches: "drop" }),
      ...parseConfig({ approvals: { policies: [{ name: "all", decide: "warn" }] } }, {}).approvals.policies,
    ];
    expect(evaluatePolicies(event("commit-file"), p, now, undefined)).toEqual({
      kind: "decide",
      result: "WARN",
      policy: "all",
      message: 'Allowed with a warning by policy "all"',
      unknown: [{ policy: "no drops", why: "no code known: the snapshot did not arrive within the budget" }],
    });
  });

  it("sqlMatches keeps working on a download's SQL", () => {
    const dl = event("download-resources", { sqlText: "select phone from users" });
    const p = policies({ sqlMatches: "phone" });
    expect(evaluatePolicies(dl, p, now)).toMatchObject({ kind: "decide", result: "FAIL" });
  });

  it("a codeMatches that does not compile fails start-up", () => {
    expect(() => policies({ codeMatches: "DROP(" })).toThrow(/when\.codeMatches: not a valid regular expression/);
  });
});
