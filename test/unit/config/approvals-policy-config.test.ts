import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";

const withWhen = (when: Record<string, unknown>) => ({
  approvals: { policies: [{ name: "freeze", when, decide: "block" }] },
});

function problems(raw: Record<string, unknown>): string {
  try {
    parseConfig(raw, {});
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

/** A policy value that cannot be evaluated must fail start-up, not every approval (or block forever). */
describe("approval policy windows and time zones are validated", () => {
  it("refuses a from/to that does not parse (it would make the freeze endless)", () => {
    expect(problems(withWhen({ during: [{ from: "2026-12-24T00:00:00+8:00" }] }))).toContain("when.during[0].from");
    expect(problems(withWhen({ during: [{ to: "next friday" }] }))).toContain("when.during[0].to");
  });

  it("refuses HH:MM outside 00:00–24:00", () => {
    expect(problems(withWhen({ during: [{ start: "25:99" }] }))).toContain("when.during[0].start");
    expect(problems(withWhen({ during: [{ end: "9:00" }] }))).toContain("when.during[0].end");
  });

  it("refuses an unknown time zone", () => {
    expect(problems(withWhen({ timeZone: "Asia/Shangai" }))).toContain("not a known IANA time zone");
  });

  it("accepts well-formed windows", () => {
    const ok = withWhen({
      timeZone: "Asia/Shanghai",
      during: [
        { from: "2026-12-31T18:00:00+08:00", to: "2027-01-02T09:00:00Z" },
        { days: ["sat", "sun"], start: "00:00", end: "24:00" },
      ],
    });
    expect(problems(ok)).toBe("");
  });
});
