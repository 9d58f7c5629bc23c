import { describe, expect, it } from "vitest";
import { num, obj, str } from "../../../src/dataworks/body-fields.js";

describe("reading DataWorks answer fields", () => {
  it("num: numbers, and digit strings as numbers, signed as numbers may be; nothing else", () => {
    expect(num(42)).toBe(42);
    expect(num(-1)).toBe(-1);
    expect(num("1733500800000")).toBe(1733500800000);
    // A negative value comes as "-1" from the API versions that send numbers as strings, as -1 from the others.
    expect(num("-1")).toBe(-1);
    for (const v of ["", "1.5", "12a", "-", " 1", null, undefined, true, {}]) expect(num(v)).toBeUndefined();
  });

  it("str and obj: a non-empty string or a number as text; an object or {}", () => {
    expect(str("a")).toBe("a");
    expect(str(7)).toBe("7");
    expect(str("")).toBeUndefined();
    expect(obj({ a: 1 })).toEqual({ a: 1 });
    expect(obj([1])).toEqual({});
    expect(obj(null)).toEqual({});
  });
});
