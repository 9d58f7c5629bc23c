import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { CATALOG } from "../../../src/dataworks/catalog.js";
import { HELPER_NAMES } from "../../../src/templating/helpers.js";
import { packageRoot } from "../../../src/package-root.js";
import { BUILT_IN, engine, fixtureFiles, LOCALES, loadEvent } from "./support.js";

function flatten(node: unknown, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  if (node && typeof node === "object")
    for (const [k, v] of Object.entries(node)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  else out[prefix] = String(node);
  return out;
}
const catalogs = Object.fromEntries(
  LOCALES.map((l) => [l, flatten(parse(readFileSync(join(BUILT_IN, "locales", `${l}.yaml`), "utf8")))]),
);
const templateText = readdirSync(BUILT_IN)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => readFileSync(join(BUILT_IN, f), "utf8"))
  .concat(readdirSync(join(BUILT_IN, "partials")).map((f) => readFileSync(join(BUILT_IN, "partials", f), "utf8")))
  .join("\n");

describe("every event type has a template and every string both languages", () => {
  const t = engine();

  it("has its own template for each of the 52 catalog event codes, and no template for unknown codes", () => {
    expect(CATALOG).toHaveLength(52);
    expect(t.names().sort()).toEqual(CATALOG.map((c) => c.eventCode).sort());
  });

  it("renders each primary fixture with its own template, not the fallback", () => {
    for (const { name, file } of fixtureFiles()) {
      const ev = loadEvent(file);
      for (const locale of LOCALES) {
        const m = t.render(ev, locale);
        expect(
          m.fields.some((f) => f.label === (locale === "en" ? "Event type" : "事件类型")),
          name,
        ).toBe(false);
        expect(m.title, name).not.toBe("");
        expect(m.fields.length, name).toBeGreaterThan(0);
      }
    }
  });

  it("has the same keys in en and zh-CN", () => {
    expect(Object.keys(catalogs["zh-CN"]!).sort()).toEqual(Object.keys(catalogs.en!).sort());
  });

  it("defines every key a template or partial looks up with {{t '…'}}", () => {
    const used = new Set([...templateText.matchAll(/\bt ["']([\w.-]+)["']/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(50);
    for (const locale of LOCALES) {
      const missing = [...used].filter((k) => !(k in catalogs[locale]!));
      expect(missing, locale).toEqual([]);
    }
  });

  it("names every enum a template uses with {{enum '…'}} in both locales", () => {
    const used = new Set([...templateText.matchAll(/\benum ["'](\w+)["']/g)].map((m) => m[1]!));
    for (const locale of LOCALES)
      for (const name of used)
        expect(
          Object.keys(catalogs[locale]!).some((k) => k.startsWith(`enum.${name}.`)),
          `${locale} enum.${name}`,
        ).toBe(true);
  });

  it("translates the catalog's enumerations (§3) in both locales", () => {
    const expected: Record<string, Array<string | number>> = {
      instanceStatus: [0, 1, 2, 3, 4, 5, 6, 7, 8],
      dagStatus: [1, 4, 5, 6],
      dagType: [0, 1, 2, 3, 4, 5],
      schedulerType: [0, 1, 2, 3, 4, 5, 6, 7, "NORMAL", "MANUAL", "PAUSE", "SKIP", "SKIP_UNCHOOSE", "SKIP_CYCLE"],
      changeType: [0, 1, 2],
      dqcCheckResult: [-2, -1, 0, 1, 2],
      blockType: [0, 1],
      alarmType: ["SLA_ALERT", "TOPIC_ALERT", "REMIND_ALERT"],
      baselineStatus: [-1, 1, 2, 3],
      remindType: ["FINISHED", "UNFINISHED", "ERROR", "CYCLE_UNFINISHED", "TIMEOUT", "RES_GROUP_THRESHOLD"],
      remindUnit: ["NODE", "GATEWAY_RES", "DI_RES"],
      resourceGroupType: ["GATEWAY", "DI"],
      granteeTypeSub: [101, 102, 103, 104, 105, 106],
      env: ["PROD", "DEV", 0, 1],
      deadlineType: ["day", "month"],
      dataServiceType: [1, 2, 3],
      moduleType: ["entity_transfer", "develop_query", "sqlx_query", "dw_excel"],
      uploadSourceType: ["LOCAL", "OSS", "DW_EXCEL", "HTTP"],
      optTableType: ["CREATE", "IMPORT"],
      targetEngineType: ["maxcompute", "emr hive", "hologres"],
      writeType: ["OVERWRITE", "APPEND"],
      conflictMode: ["IGNORE", "REPLACE", "UPDATE"],
      ruleSeverity: ["High", "Normal"],
      dqEnvType: ["ODPS", "EMR", "HOLO"],
      triggerType: ["ByScheduledTaskInstance", "ByManual"],
      order: ["asc", "desc"],
      fileType: [
        6, 10, 11, 23, 24, 99, 221, 225, 227, 228, 229, 230, 239, 257, 258, 259, 260, 900, 1089, 1091, 1093, 1100, 1221,
      ],
    };
    for (const locale of LOCALES)
      for (const [name, values] of Object.entries(expected))
        for (const v of values) expect(catalogs[locale]![`enum.${name}.${v}`], `${locale} ${name}.${v}`).toBeTruthy();
  });

  it("documents every helper in docs/templates.md", () => {
    const doc = readFileSync(join(packageRoot(), "docs", "templates.md"), "utf8");
    for (const h of HELPER_NAMES) expect(doc, h).toContain(`\`${h}\``);
  });
});
