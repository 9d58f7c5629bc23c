import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { groupsAt, isMember, membersOn } from "../../../src/access/roles.js";
import { handoverInstant, onCall, rotationStart } from "../../../src/access/rotation.js";
import { rotationSchema } from "../../../src/config/sections/rotations.js";

const A = { slack: ["U0ANN"], lark: ["ou_ann"] };
const B = { slack: ["U0BOB"], dingtalk: ["staff-bob"] };
const C = { slack: ["U0CAT"] };
const rotation = (r: Record<string, unknown>) => rotationSchema.parse({ members: [A, B, C], ...r });
const at = (iso: string) => Date.parse(iso);
/** The index of who is on call (members A, B, C are 0, 1, 2). */
const who = (r: ReturnType<typeof rotation>, iso: string) => onCall(r, at(iso))?.index;

describe("on-call rotation (who is on call at a moment)", () => {
  describe("weekly, Asia/Shanghai (no daylight saving), Monday 09:00 from 2026-12-07", () => {
    const r = rotation({ shift: "weekly", handover: "09:00", timeZone: "Asia/Shanghai", start: "2026-12-07" });

    it("nobody before the first hand-over, the first member from it", () => {
      expect(onCall(r, at("2026-12-07T00:59:59.999Z"))).toBeUndefined(); // 08:59:59 in Shanghai
      expect(onCall(r, at("2026-12-07T01:00:00Z"))).toMatchObject({
        index: 0,
        member: A,
        since: at("2026-12-07T01:00:00Z"),
        until: at("2026-12-14T01:00:00Z"),
      });
      expect(rotationStart(r)).toBe(at("2026-12-07T01:00:00Z"));
    });

    it("hands over on Monday at 09:00 local, not at the UTC week boundary, and wraps round", () => {
      // Sunday 23:59 and Monday 08:59 in Shanghai: still the first week.
      expect(who(r, "2026-12-13T15:59:00Z")).toBe(0);
      expect(who(r, "2026-12-14T00:59:59.999Z")).toBe(0);
      expect(who(r, "2026-12-14T01:00:00Z")).toBe(1);
      expect(who(r, "2026-12-21T01:00:00Z")).toBe(2);
      expect(who(r, "2026-12-28T00:59:00Z")).toBe(2);
      // The year ends inside a shift: no reset at new year.
      expect(who(r, "2027-01-01T00:00:00Z")).toBe(0);
      expect(onCall(r, at("2027-01-01T00:00:00Z"))?.since).toBe(at("2026-12-28T01:00:00Z"));
    });

    it("a start date on another weekday than handoverDay is refused; handoverDay alone sets the day", () => {
      expect(() => rotation({ start: "2026-12-08", handoverDay: "mon" })).toThrow(/2026-12-08 is a tue/);
      const fri = rotation({ handoverDay: "fri", handover: "18:00", timeZone: "Asia/Shanghai" });
      expect(onCall(fri, at("2026-12-11T10:00:00Z"))?.since).toBe(at("2026-12-11T10:00:00Z")); // Fri 18:00
      expect(onCall(fri, at("2026-12-11T09:59:00Z"))?.until).toBe(at("2026-12-11T10:00:00Z"));
    });
  });

  describe("daily", () => {
    it("hands over each day at the time, in turn", () => {
      const r = rotation({ shift: "daily", handover: "18:00", timeZone: "Asia/Shanghai", start: "2026-12-07" });
      expect(who(r, "2026-12-07T09:59:59Z")).toBeUndefined();
      expect(who(r, "2026-12-07T10:00:00Z")).toBe(0);
      expect(who(r, "2026-12-08T09:59:59Z")).toBe(0);
      expect(who(r, "2026-12-08T10:00:00Z")).toBe(1);
      expect(who(r, "2026-12-09T10:00:00Z")).toBe(2);
      expect(who(r, "2026-12-10T10:00:00Z")).toBe(0);
    });

    it("without a start date, counts from a fixed Monday, so every process agrees", () => {
      const r = rotation({ shift: "daily", handover: "00:00", timeZone: "UTC" });
      // 2024-01-01 is shift 0; 2026-12-07 is 1071 days later: 1071 mod 3 = 0.
      expect(onCall(r, at("2026-12-07T12:00:00Z"))?.index).toBe(0);
      expect(onCall(r, at("2026-12-08T12:00:00Z"))?.index).toBe(1);
      // Before the reference too: members keep turning.
      expect(onCall(r, at("2023-12-31T12:00:00Z"))?.index).toBe(2);
    });
  });

  describe("a zone with daylight saving (America/New_York)", () => {
    const r = rotation({ shift: "daily", handover: "09:00", timeZone: "America/New_York", start: "2026-03-06" });

    it("keeps 09:00 local across the spring change: a 23-hour shift", () => {
      // 2026-03-08 02:00 EST → 03:00 EDT. 09:00 EST = 14:00Z, 09:00 EDT = 13:00Z.
      const sat = onCall(r, at("2026-03-07T20:00:00Z"));
      expect(sat).toMatchObject({ since: at("2026-03-07T14:00:00Z"), until: at("2026-03-08T13:00:00Z") });
      expect(who(r, "2026-03-08T12:59:59Z")).toBe(sat?.index);
      expect(who(r, "2026-03-08T13:00:00Z")).toBe(((sat?.index ?? 0) + 1) % 3);
    });

    it("keeps 09:00 local across the autumn change: a 25-hour shift", () => {
      // 2026-11-01 02:00 EDT → 01:00 EST.
      expect(onCall(r, at("2026-10-31T20:00:00Z"))).toMatchObject({
        since: at("2026-10-31T13:00:00Z"),
        until: at("2026-11-01T14:00:00Z"),
      });
    });

    it("a hand-over in the skipped hour happens when the clock jumps past it", () => {
      const gap = rotation({ shift: "daily", handover: "02:30", timeZone: "America/New_York", start: "2026-03-01" });
      expect(handoverInstant(Date.UTC(2026, 2, 8, 2, 30), "America/New_York")).toBe(at("2026-03-08T07:00:00Z"));
      const before = onCall(gap, at("2026-03-08T06:59:59Z"));
      const after = onCall(gap, at("2026-03-08T07:00:00Z"));
      expect(before?.until).toBe(at("2026-03-08T07:00:00Z"));
      expect(after?.index).toBe(((before?.index ?? 0) + 1) % 3);
    });

    it("a hand-over in the repeated hour happens once, at its first occurrence", () => {
      const dup = rotation({ shift: "daily", handover: "01:30", timeZone: "America/New_York", start: "2026-10-01" });
      // 01:30 EDT = 05:30Z; 01:30 again (EST) = 06:30Z.
      const before = onCall(dup, at("2026-11-01T05:29:59Z"));
      const first = onCall(dup, at("2026-11-01T05:30:00Z"));
      const inRepeat = onCall(dup, at("2026-11-01T06:00:00Z")); // 01:00 EST, the clock read 01:30 before
      const second = onCall(dup, at("2026-11-01T06:45:00Z")); // 01:45 EST
      expect(first?.since).toBe(at("2026-11-01T05:30:00Z"));
      expect(first?.index).toBe(((before?.index ?? 0) + 1) % 3);
      expect(inRepeat).toEqual(first);
      expect(second).toEqual(first);
    });
  });

  describe("config", () => {
    it("refuses what cannot be a rotation, with the key to fix", () => {
      expect(() => rotationSchema.parse({ members: [] })).toThrow(/at least one member/);
      expect(() => rotation({ shift: "daily", handoverDay: "mon" })).toThrow(/only a weekly shift/);
      expect(() => rotation({ handover: "24:00" })).toThrow(/00:00 to 23:59/);
      expect(() => rotation({ handover: "9am" })).toThrow(/HH:MM/);
      expect(() => rotation({ timeZone: "Mars/Olympus" })).toThrow(/IANA/);
      expect(() => rotation({ start: "2026-02-30" })).toThrow(/not a valid date/);
      expect(() => rotationSchema.parse({ members: [{ teams: ["x"] }] })).toThrow();
    });
  });

  describe("a rotation stands wherever a group does", () => {
    const config = {
      approvals: { groups: { dba: { slack: ["U0DBA"] } } },
      rotations: {
        "oncall-primary": rotation({
          shift: "weekly",
          handover: "09:00",
          timeZone: "Asia/Shanghai",
          start: "2026-12-07",
        }),
      },
    };
    const role = { users: {}, groups: ["oncall-primary", "dba"] };

    it("means whoever is on call at the moment it is used", () => {
      const week1 = groupsAt(config, at("2026-12-08T00:00:00Z"));
      const week2 = groupsAt(config, at("2026-12-15T00:00:00Z"));
      expect(membersOn(role, week1, "slack")).toEqual(["U0ANN", "U0DBA"]);
      expect(membersOn(role, week2, "slack")).toEqual(["U0BOB", "U0DBA"]);
      expect(membersOn(role, week2, "dingtalk")).toEqual(["staff-bob"]);
      expect(isMember(role, week1, "slack", "U0ANN")).toBe(true);
      expect(isMember(role, week2, "slack", "U0ANN")).toBe(false);
    });

    it("is nobody before its start", () => {
      expect(membersOn(role, groupsAt(config, at("2026-12-01T00:00:00Z")), "slack")).toEqual(["U0DBA"]);
    });
  });
});

describe("membership always resolves rotations", () => {
  const ROOT = join(import.meta.dirname, "..", "..", "..");
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
    });

  it("no code outside src/access and src/config reads approvals.groups itself (groupsAt(config, now) adds the rotations)", () => {
    const direct = files(join(ROOT, "src"))
      .map((f) => relative(ROOT, f))
      .filter((f) => !f.startsWith(join("src", "access")) && !f.startsWith(join("src", "config")))
      .flatMap((f) =>
        readFileSync(join(ROOT, f), "utf8")
          .split("\n")
          .map((line, i) => ({ line, at: `${f}:${i + 1}` }))
          .filter(({ line }) => /\bapprovals\.groups\b/.test(line) && !/^\s*(\/\/|\*|\/\*)/.test(line))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(direct).toEqual([]);
  });
});
