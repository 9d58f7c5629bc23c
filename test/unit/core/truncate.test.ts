import { describe, expect, it } from "vitest";
import { truncate } from "../../../src/core/text.js";

describe("truncate", () => {
  it("counts code points: emoji and CJK are never split, and text within the limit comes back as it is", () => {
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcd", 3)).toBe("ab…");
    // Five emoji are ten UTF-16 units but five characters: within a limit of five.
    expect(truncate("😀😀😀😀😀", 5)).toBe("😀😀😀😀😀");
    expect(truncate("😀😀😀😀😀", 4)).toBe("😀😀😀…");
    expect(truncate("数据工场节点失败", 5)).toBe("数据工场…");
    expect(truncate("", 0)).toBe("");
    expect(truncate("abc", 2, "[cut]")).toBe("[cut]");
  });
});
