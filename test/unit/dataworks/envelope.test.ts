import { describe, expect, it } from "vitest";
import { parseEnvelopes } from "../../../src/dataworks/envelope.js";
import { freshEvent } from "../../helpers/fixtures.js";

describe("parseEnvelopes: values that would be dangerous later", () => {
  it("keeps a well-formed region id and drops anything else (it becomes the DataWorks API host)", () => {
    const region = (v: unknown) => {
      const r = parseEnvelopes({ ...freshEvent("commit-file"), aliyunregionid: v });
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      return r.events[0]?.regionId;
    };
    expect(region("cn-hangzhou")).toBe("cn-hangzhou");
    expect(region("ap-southeast-1")).toBe("ap-southeast-1");
    expect(region("cn-shanghai-finance-1")).toBe("cn-shanghai-finance-1");
    for (const bad of ["x@evil.example#", "cn-hangzhou.evil.example", "CN-HANGZHOU", "", "cn", 7, null])
      expect(region(bad), String(bad)).toBeUndefined();
  });

  it("refuses an event nested deeper than 64 levels with a message, without overflowing the stack", () => {
    const deep = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`) as unknown;
    const r = parseEnvelopes({ ...freshEvent("commit-file"), data: { deep } });
    expect(r).toEqual({ ok: false, problems: [{ index: 0, message: "the event nests deeper than 64 levels" }] });
    const ok = JSON.parse(`${'{"a":'.repeat(60)}1${"}".repeat(60)}`) as unknown;
    expect(parseEnvelopes({ ...freshEvent("commit-file"), data: { ok } }).ok).toBe(true);
  });
});
