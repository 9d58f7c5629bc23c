import { describe, expect, it } from "vitest";
import { zoneParts } from "../../../src/core/zone-parts.js";

const at = (iso: string) => Date.parse(iso);
// UTC's own offset reads "GMT" or "GMT+00:00", as the ICU build has it.
const clock = (p: Readonly<Record<string, string>>) =>
  `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${p.timeZoneName === "GMT+00:00" ? "GMT" : p.timeZoneName}`;

describe("zoneParts (remembered by zone and second)", () => {
  it("reads the same instant in each zone, asked again in any order", () => {
    const t = at("2025-06-18T02:15:30.250Z");
    for (let i = 0; i < 2; i++) {
      expect(clock(zoneParts(t, "Asia/Shanghai"))).toBe("2025-06-18 10:15:30 GMT+08:00");
      expect(clock(zoneParts(t, "UTC"))).toBe("2025-06-18 02:15:30 GMT");
      expect(clock(zoneParts(new Date(t), "America/New_York"))).toBe("2025-06-17 22:15:30 GMT-04:00");
    }
  });

  it("is the second's reading for every millisecond in it, and the next second's after it", () => {
    expect(clock(zoneParts(at("2025-06-18T02:15:30.000Z"), "UTC"))).toBe("2025-06-18 02:15:30 GMT");
    expect(clock(zoneParts(at("2025-06-18T02:15:30.999Z"), "UTC"))).toBe("2025-06-18 02:15:30 GMT");
    expect(clock(zoneParts(at("2025-06-18T02:15:31.000Z"), "UTC"))).toBe("2025-06-18 02:15:31 GMT");
    // Before 1970 too (a negative epoch rounds down, not toward zero).
    expect(clock(zoneParts(at("1969-12-31T23:59:59.500Z"), "UTC"))).toBe("1969-12-31 23:59:59 GMT");
  });

  it("follows a DST change to the second", () => {
    // New York springs forward at 07:00 UTC on 2025-03-09: 01:59:59 EST, then 03:00:00 EDT.
    expect(clock(zoneParts(at("2025-03-09T06:59:59Z"), "America/New_York"))).toBe("2025-03-09 01:59:59 GMT-05:00");
    expect(clock(zoneParts(at("2025-03-09T07:00:00Z"), "America/New_York"))).toBe("2025-03-09 03:00:00 GMT-04:00");
  });

  it("stays right past the bound of what it remembers", () => {
    const base = at("2025-01-01T00:00:00Z");
    for (let i = 0; i < 2_500; i++) zoneParts(base + i * 1000, "Asia/Shanghai");
    expect(clock(zoneParts(base + 2_499_000, "Asia/Shanghai"))).toBe("2025-01-01 08:41:39 GMT+08:00");
    expect(clock(zoneParts(base, "Asia/Shanghai"))).toBe("2025-01-01 08:00:00 GMT+08:00");
  });

  it("refuses an invalid time as before", () => {
    expect(() => zoneParts(Number.NaN, "UTC")).toThrow(RangeError);
  });
});
