import { describe, expect, it } from "vitest";
import { makeWellFormed } from "../../../src/core/text.js";
import { parseJsonKeepingLongs, TooDeepError } from "../../../src/dataworks/parse-json.js";

describe("parseJsonKeepingLongs", () => {
  it("keeps integers beyond 2^53 exact as strings and everything else as JSON.parse gives it", () => {
    const text =
      '{"operator":203012345678901234,"tenantId":28378123410656,"ids":[9007199254740993,9007199254740991,-90071992547409930],' +
      '"uid":"1234567890981234","ratio":0.1234567890123,"big":1e300,"n":null,"s":"a:12345678901234567"}';
    expect(parseJsonKeepingLongs(text)).toEqual({
      operator: "203012345678901234",
      tenantId: 28378123410656,
      ids: ["9007199254740993", 9007199254740991, "-90071992547409930"],
      uid: "1234567890981234",
      ratio: 0.1234567890123,
      big: 1e300,
      n: null,
      s: "a:12345678901234567",
    });
  });

  it("throws SyntaxError for invalid JSON on both paths", () => {
    expect(() => parseJsonKeepingLongs("{not json")).toThrow(SyntaxError);
    expect(() => parseJsonKeepingLongs('{"a":12345678901234567890,')).toThrow(SyntaxError);
  });

  it("says a body nested 100,000 deep with a long integer is too deep, not that it is invalid JSON", () => {
    const deep = `${"[".repeat(100_000)}12345678901234567890${"]".repeat(100_000)}`;
    expect(() => parseJsonKeepingLongs(deep)).toThrow(/nests too deeply/);
    expect(() => parseJsonKeepingLongs(deep)).toThrow(TooDeepError);
  });

  it("replaces unpaired surrogates (keys too) with U+FFFD on both paths and keeps pairs", () => {
    const body = '{"a":"x\\ud800","b":["\\udc00y","\\ud83d\\ude00"],"k\\udbff":1,"n":{"m":"\\ud800\\ud800"}}';
    const want = { a: "x\ufffd", b: ["\ufffdy", "\u{1f600}"], "k\ufffd": 1, n: { m: "\ufffd\ufffd" } };
    expect(parseJsonKeepingLongs(body)).toEqual(want);
    const long = body.replace("{", '{"id":12345678901234567890,');
    expect(parseJsonKeepingLongs(long)).toEqual({ id: "12345678901234567890", ...want });
    // An escaped backslash before "ud800" is text, not an escape: left as it is.
    expect(parseJsonKeepingLongs('{"a":"\\\\ud800"}')).toEqual({ a: "\\ud800" });
  });
});

describe("makeWellFormed", () => {
  it("leaves frozen well-formed parts alone and fixes the rest in place", () => {
    const shared = Object.freeze(["ok", "fine"]);
    const reply = { text: "who: x\udc00", choices: shared };
    expect(makeWellFormed(reply)).toBe(reply);
    expect(reply).toEqual({ text: "who: x\ufffd", choices: ["ok", "fine"] });
    expect(makeWellFormed("a\ud800b")).toBe("a\ufffdb");
  });
});
