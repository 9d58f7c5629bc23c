import { describe, expect, it } from "vitest";
import { codeDiff, columnDiff, fullDiff } from "../../../src/approvals/snapshot/diff.js";

const lines = (n: number, f = (i: number) => `line ${i}`) => Array.from({ length: n }, (_, i) => `${f(i)}\n`).join("");

describe("codeDiff", () => {
  it("an update: +N −M summary and a unified excerpt with context", () => {
    const before = "SELECT a\nFROM t\nWHERE ds = 1;\n";
    const after = "SELECT a, b\nFROM t\nWHERE ds = 1;\n";
    const d = codeDiff(before, after);
    expect(d).toMatchObject({
      added: 1,
      removed: 1,
      summary: "+1 \u22121",
      truncated: false,
      hunks: 1,
      tooLarge: false,
    });
    expect(d.excerpt).toEqual(["@@ -1,3 +1,3 @@", "-SELECT a", "+SELECT a, b", " FROM t", " WHERE ds = 1;"]);
  });

  it("no change says so", () => {
    expect(codeDiff("x\n", "x\n")).toMatchObject({ added: 0, removed: 0, summary: "no change", excerpt: [], hunks: 0 });
  });

  it("a new file shows its first lines, within the line budget, marked truncated", () => {
    const d = codeDiff("", lines(500), { maxBytes: 10_000, maxLines: 10 });
    expect(d.added).toBe(500);
    expect(d.summary).toBe("+500 \u22120");
    expect(d.excerpt).toHaveLength(10);
    expect(d.excerpt[0]).toBe("@@ -0,0 +1,500 @@");
    expect(d.excerpt[1]).toBe("+line 0");
    expect(d.truncated).toBe(true);
  });

  it("a delete shows what goes away", () => {
    const d = codeDiff("DROP TABLE a;\nDROP TABLE b;\n", "");
    expect(d).toMatchObject({ added: 0, removed: 2, summary: "+0 \u22122", truncated: false });
    expect(d.excerpt.slice(1)).toEqual(["-DROP TABLE a;", "-DROP TABLE b;"]);
  });

  it("first hunks only: a later hunk that does not fit is left out whole; the byte budget counts UTF-8", () => {
    const before = lines(200, (i) => `行 ${i}`);
    const after = before.replace("行 10\n", "行 10 改\n").replace("行 150\n", "行 150 改\n");
    const all = codeDiff(before, after, { maxBytes: 100_000, maxLines: 100 });
    expect(all.hunks).toBe(2);
    expect(all.truncated).toBe(false);
    const first = codeDiff(before, after, { maxBytes: 100_000, maxLines: 10 });
    expect(first.excerpt[0]).toMatch(/^@@ -8,7 \+8,7 @@$/);
    expect(first.excerpt.join("\n")).not.toContain("150");
    expect(first.truncated).toBe(true);
    const small = codeDiff(before, after, { maxBytes: 60, maxLines: 100 });
    expect(small.excerpt.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0)).toBeLessThanOrEqual(60);
    expect(small.truncated).toBe(true);
    expect(small.added).toBe(2);
  });

  it("long lines are cut with an ellipsis, without splitting a surrogate pair", () => {
    const long = `SELECT '${"😀".repeat(300)}';\n`;
    const d = codeDiff("", long, { maxBytes: 100_000, maxLines: 10, maxLineChars: 21 });
    const line = d.excerpt[1]!;
    expect(line.endsWith("…")).toBe(true);
    expect(line.length).toBeLessThanOrEqual(21);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(line)).toBe(false);
  });

  it("a diff beyond the edit cap is not computed: counts of lines, tooLarge, quickly", () => {
    const a = lines(30_000, (i) => `a${i}`);
    const b = lines(30_000, (i) => `b${i}`);
    const d = codeDiff(a, b);
    expect(d).toMatchObject({ tooLarge: true, added: 30_000, removed: 30_000, excerpt: [] });
  });

  it("fullDiff: the whole unified diff with headers", () => {
    const text = fullDiff("ods.sql", "a\n", "b\n", { before: "v6", after: "v7" })!;
    expect(text).toContain("--- ods.sql\tv6");
    expect(text).toContain("+++ ods.sql\tv7");
    expect(text).toContain("-a\n+b");
  });
});

describe("columnDiff", () => {
  it("added, removed and changed columns, by name regardless of case", () => {
    const before = [
      { name: "id", type: "BIGINT", partition: false },
      { name: "name", type: "STRING", comment: "user", partition: false },
      { name: "ds", type: "STRING", partition: true },
    ];
    const after = [
      { name: "ID", type: "bigint", partition: false },
      { name: "name", type: "STRING", comment: "user name", partition: false },
      { name: "age", type: "INT", partition: false },
      { name: "ds", type: "STRING", partition: true },
    ];
    const d = columnDiff(before, after);
    expect(d.added.map((c) => c.name)).toEqual(["age"]);
    expect(d.removed).toEqual([]);
    expect(d.changed).toEqual([
      {
        name: "name",
        before: { type: "STRING", comment: "user", partition: false },
        after: { type: "STRING", comment: "user name", partition: false },
      },
    ]);
    expect(d.summary).toBe("+1 \u22120 ~1");
    expect(columnDiff(after, after).summary).toBe("no change");
    expect(columnDiff(before, []).removed).toHaveLength(3);
  });
});
