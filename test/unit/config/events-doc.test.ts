import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG } from "../../../src/dataworks/catalog.js";

/** docs/events.md is written for people; this keeps its table equal to the catalog the bot runs on. */
const DOC = readFileSync(join(import.meta.dirname, "..", "..", "..", "docs", "events.md"), "utf8");

interface Row {
  eventCode: string;
  type: string;
  module: string;
  name: string;
  extensionPoint: boolean;
  decisionApi?: string;
}

function tableRows(markdown: string): Row[] {
  return markdown
    .split("\n")
    .filter((l) => /^\| \d+ \|/.test(l))
    .map((l) => {
      const c = l
        .replace(/^\||\|$/g, "")
        .split(/(?<!\\)\|/)
        .map((s) => s.trim().replaceAll("\\|", "|"));
      const code = (s: string | undefined) => /^`([^`]+)`$/.exec(s ?? "")?.[1];
      return {
        eventCode: code(c[1]) ?? `? ${c[1]}`,
        type: code(c[2]) ?? `? ${c[2]}`,
        module: c[3] ?? "",
        name: c[4] ?? "",
        extensionPoint: c[5] === "yes",
        ...(code(c[6]) ? { decisionApi: code(c[6]) } : {}),
      };
    });
}

describe("docs/events.md", () => {
  const rows = tableRows(DOC);

  it("lists the catalog's event types, in catalog order, with the same codes, types and decision APIs", () => {
    const want = CATALOG.map((e) => ({
      eventCode: e.eventCode,
      type: e.type,
      module: e.module,
      name: e.name,
      extensionPoint: e.extensionPoint,
      ...(e.decisionApi ? { decisionApi: e.decisionApi } : {}),
    }));
    expect(rows).toEqual(want);
  });

  it("numbers the rows 1…N and states the counts the catalog has", () => {
    const numbers = DOC.split("\n")
      .filter((l) => /^\| \d+ \|/.test(l))
      .map((l) => Number(/^\| (\d+) \|/.exec(l)?.[1]));
    expect(numbers).toEqual(CATALOG.map((_, i) => i + 1));
    const ext = CATALOG.filter((e) => e.extensionPoint).length;
    const prose = DOC.replace(/\s+/g, " ");
    expect(prose).toContain(`The ${CATALOG.length} DataWorks event types`);
    expect(prose).toContain(`events (${ext})`);
    expect(prose).toContain(`The ${CATALOG.length - ext} others`);
  });
});
