import { describe, expect, it } from "vitest";
import { errorExcerpt } from "../../../src/enrich/error-lines.js";

const ODPS_LOG = [
  "2025-06-18 10:10:05 INFO =================================================================",
  "2025-06-18 10:10:05 INFO Exit code of the Shell command 0",
  "2025-06-18 10:10:06 INFO Running SQL: INSERT OVERWRITE TABLE ods_order_detail_di ...",
  "2025-06-18 10:10:07 INFO error_count=0 onError handler registered",
  ...Array.from({ length: 200 }, (_, i) => `2025-06-18 10:11:${String(i % 60).padStart(2, "0")} INFO progress ${i}%`),
  "FAILED: ODPS-0130071:[1,8] Semantic analysis exception - column order_amt cannot be resolved",
  "2025-06-18 10:15:30 INFO Current task status: ERROR",
  "2025-06-18 10:15:30 INFO Cost time is: 325.2s",
  "/home/admin/alisatasknode/taskinfo/...: line 1: exit 1",
].join("\n");

describe("errorExcerpt", () => {
  it("keeps the lines that say why, with neighbours, not the whole log nor benign 'error' words", () => {
    const x = errorExcerpt(ODPS_LOG, 12, 1500)!;
    expect(x).toContain("FAILED: ODPS-0130071");
    expect(x).toContain("Current task status: ERROR");
    expect(x).toContain("progress 199%"); // the line before the failure
    expect(x).not.toContain("error_count=0");
    expect(x).not.toContain("progress 100%");
    expect(x.split("\n").length).toBeLessThanOrEqual(12);
  });

  it("marks gaps and caps many error blocks at maxLines, keeping the first and the last", () => {
    const log = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? `ERROR block ${i}` : `info ${i}`)).join("\n");
    const x = errorExcerpt(log, 9, 5000)!;
    const lines = x.split("\n");
    expect(lines.filter((l) => l !== "…").length).toBe(9);
    expect(lines).toContain("…");
    expect(x).toContain("ERROR block 0");
    expect(x).toContain("ERROR block 90");
  });

  it("recognises Java/Python tracebacks and Chinese messages", () => {
    expect(errorExcerpt("a\nb\nTraceback (most recent call last):\n  File x\nValueError: bad\nz", 10, 500)).toContain(
      "ValueError: bad",
    );
    expect(errorExcerpt("开始\n任务执行失败：表不存在\n结束", 10, 500)).toContain("任务执行失败");
    expect(
      errorExcerpt("x\njava.lang.NullPointerException\n\tat com.x.Y(Y.java:1)\nCaused by: boom", 10, 500),
    ).toContain("Caused by: boom");
  });

  it("falls back to the last lines when nothing looks like an error; empty log → undefined", () => {
    const x = errorExcerpt(Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n"), 12, 500)!;
    expect(x.split("\n")).toEqual(["line 45", "line 46", "line 47", "line 48", "line 49"]);
    expect(errorExcerpt("\n \n", 12, 500)).toBeUndefined();
  });

  it("truncates safely: long lines, the char budget (CJK not split), terminal escapes stripped", () => {
    const x = errorExcerpt(`\u001b[31mERROR ${"错".repeat(5000)}\u001b[0m`, 12, 200)!;
    expect(Array.from(x).length).toBeLessThanOrEqual(200);
    expect(x).not.toContain("\u001b");
    expect(x.endsWith("…")).toBe(true);
    expect(x.includes("\uFFFD")).toBe(false);
  });
});
