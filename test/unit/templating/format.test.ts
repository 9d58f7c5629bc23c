import { describe, expect, it } from "vitest";
import {
  assertTimeZone,
  formatBytes,
  formatDate,
  formatDuration,
  formatNumber,
  formatTime,
  toDate,
} from "../../../src/templating/format.js";
import { formatList, fromJson, redactSecrets, toList } from "../../../src/templating/values.js";
import { fixture } from "../../helpers/fixtures.js";
import { engine, toEvent } from "./support.js";

describe("times: DataWorks' mixed formats, shown in the configured zone with the offset", () => {
  const instant = "2025-06-18T02:15:30.000Z";
  it.each([
    ["epoch ms", 1750212930000],
    ["epoch ms as a string (dqc feedback beginTime)", "1750212930000"],
    ["epoch seconds", 1750212930],
    ["ISO with offset", "2025-06-18T10:15:30+08:00"],
    ["ISO Z with millis (newer samples)", "2025-06-18T02:15:30.000Z"],
    ["EventBridge PRC suffix", "2025-06-18T10:15:30.000PRC"],
    ["zone-less DataWorks string, China time", "2025-06-18 10:15:30"],
  ])("%s", (_what, v) => {
    expect(toDate(v)?.toISOString()).toBe(instant);
  });

  it("formats in Asia/Shanghai, UTC and a zone with a negative offset", () => {
    expect(formatTime(1750212930000, "Asia/Shanghai")).toBe("2025-06-18 10:15:30 (UTC+08:00)");
    expect(formatTime(1750212930000, "UTC")).toBe("2025-06-18 02:15:30 (UTC+00:00)");
    expect(formatTime(1750212930000, "America/New_York")).toBe("2025-06-17 22:15:30 (UTC-04:00)");
  });

  it("shows unparseable input as it came and nothing for nothing", () => {
    expect(formatTime("yesterday", "UTC")).toBe("yesterday");
    expect(formatTime(undefined, "UTC")).toBe("");
    expect(formatTime(null, "UTC")).toBe("");
  });

  it("formats business dates without shifting plain dates across zones", () => {
    expect(formatDate("2025-06-17 00:00:00")).toBe("2025-06-17");
    expect(formatDate("20250617")).toBe("2025-06-17");
    // Midnight of 2025-06-18 in DataWorks' time (+08:00) is 2025-06-17T16:00Z: still the 18th, in any display zone.
    expect(formatDate(1750176000000)).toBe("2025-06-18");
  });

  it("rejects an unknown time zone at start-up with a readable message", () => {
    expect(() => assertTimeZone("Mars/Olympus")).toThrow(/templates.timeZone "Mars\/Olympus"/);
    expect(() => assertTimeZone("Asia/Shanghai")).not.toThrow();
  });
});

describe("durations, sizes, numbers", () => {
  it("words durations per locale", () => {
    expect(formatDuration(925_000, "en")).toBe("15m 25s");
    expect(formatDuration(925_000, "zh-CN")).toBe("15分25秒");
    expect(formatDuration(90_061_000, "en")).toBe("1d 1h 1m 1s");
    expect(formatDuration(0, "en")).toBe("0s");
    expect(formatDuration(-5, "en")).toBe("");
  });
  it("formats bytes and numbers, and nothing for junk", () => {
    expect(formatBytes(10241024)).toBe("9.8 MB");
    expect(formatBytes("512")).toBe("512 B");
    expect(formatBytes("lots")).toBe("");
    expect(formatBytes(-1)).toBe("");
    expect(formatNumber("123456")).toBe("123,456");
    expect(formatNumber("12abc")).toBe("12abc");
  });
});

describe("payload quirks", () => {
  it("reads id lists from arrays, comma-separated strings and single values", () => {
    expect(toList([1, 2])).toEqual(["1", "2"]);
    expect(toList("700001235472,700001235473, 700001235474")).toEqual(["700001235472", "700001235473", "700001235474"]);
    expect(toList(523536569736)).toEqual(["523536569736"]);
    expect(toList(null)).toEqual([]);
    expect(formatList(["a", "b", "c"], 2, ", ", (n) => `and ${n} more`)).toBe("a, b, and 1 more");
  });
  it("parses JSON-string fields and survives broken ones", () => {
    expect(fromJson('[{"bizBeginTime":"2025-06-01"}]')).toEqual([{ bizBeginTime: "2025-06-01" }]);
    expect(fromJson("{ not json")).toBeUndefined();
  });
  it("masks webhook credentials", () => {
    expect(redactSecrets("https://oapi.dingtalk.com/robot/send?access_token=abc123&sign=x")).toBe(
      "https://oapi.dingtalk.com/robot/send?access_token=***&sign=***",
    );
    expect(redactSecrets("https://open.feishu.cn/open-apis/bot/v2/hook/0a1b-2c3d")).toBe(
      "https://open.feishu.cn/open-apis/bot/v2/hook/***",
    );
    expect(redactSecrets("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k1")).toBe(
      "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***",
    );
  });
});

describe("business dates in a display zone west of DataWorks'", () => {
  it("a baseline alert's business date stays the day DataWorks meant, in UTC as in Shanghai", () => {
    const event = toEvent(fixture("workbench-monitor-alert"));
    const bizDate = (timeZone: string) =>
      engine({ timeZone })
        .render(event, "en")
        .fields.find((f) => f.label === "Business date")?.value;
    for (const zone of ["Asia/Shanghai", "UTC", "America/New_York"])
      expect(bizDate(zone)).toBe("2025-06-18 · cycle 14 of the day");
  });
});
