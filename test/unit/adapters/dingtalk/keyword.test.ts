import { describe, expect, it } from "vitest";
import { DINGTALK_LIMITS } from "../../../../adapters/dingtalk/render.js";
import { withKeyword } from "../../../../adapters/dingtalk/webhook.js";

describe("withKeyword (custom robot 自定义关键词)", () => {
  it("adds the keyword verbatim on a last line, markup characters and all", () => {
    expect(withKeyword("#### 🔴 Failed", "[DW告警]")).toBe("#### 🔴 Failed\n\n[DW告警]");
  });

  it("leaves text that already holds the keyword, and text for robots without one", () => {
    expect(withKeyword("DataWorks 告警: x", "告警")).toBe("DataWorks 告警: x");
    expect(withKeyword("x", undefined)).toBe("x");
  });

  it("keeps a full-size text within DingTalk's 20,000 bytes and the keyword intact", () => {
    const fitted = "日志\n".repeat(2857); // 7 bytes a line: 19,999 bytes, as render can leave it
    expect(Buffer.byteLength(fitted)).toBe(DINGTALK_LIMITS.textBytes - 1);
    const out = withKeyword(fitted, "数据告警");
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(DINGTALK_LIMITS.textBytes);
    expect(out.endsWith("\n\n数据告警")).toBe(true);
    expect(out).toContain("…(truncated)");
  });
});
