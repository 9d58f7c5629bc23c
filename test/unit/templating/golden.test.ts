/**
 * Golden files: every fixture × every platform renderer src/platforms.ts knows × both locales, as the exact
 * native payload. Review a diff here like a UI change. Update with `npx vitest run -u test/unit/templating`.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rendererFor } from "../../../src/platforms.js";
import { packageRoot } from "../../../src/package-root.js";
import { recoveryExtras } from "../../../src/outbox/recovery.js";
import { blockKitProblem } from "../../fakes/slack-api.js";
import { FIXTURE_DIR } from "../../helpers/fixtures.js";
import { engine, fixtureFiles, LOCALES, loadEvent } from "./support.js";

const PLATFORMS = ["slack", "lark", "dingtalk", "console"].filter((p) => rendererFor(p));
const GOLDEN = join(packageRoot(), "test", "golden");
const templates = engine();

describe("golden renderings", () => {
  it("covers at least the platforms the foundation ships", () => {
    expect(PLATFORMS).toEqual(expect.arrayContaining(["slack", "console"]));
  });

  for (const { name, file } of fixtureFiles()) {
    for (const platform of PLATFORMS) {
      for (const locale of LOCALES) {
        it(`${name} → ${platform} (${locale})`, async () => {
          const event = loadEvent(file);
          const render = rendererFor(platform)!;
          const native = templates.renderOverride(event, platform, locale) ?? render(templates.render(event, locale));
          if (platform === "slack") {
            const p = native as { text: string; blocks: Array<Record<string, unknown>> };
            expect(blockKitProblem(p.blocks)).toBeUndefined();
            expect(p.text.length).toBeGreaterThan(0);
          }
          await expect(`${JSON.stringify(native, null, 2)}\n`).toMatchFileSnapshot(
            join(GOLDEN, name, `${platform}.${locale}.json`),
          );
        });
      }
    }
  }
});

/** A recovery as the outbox renders it: the success, with the failure it updates (and that failure's error lines). */
describe("golden renderings: a recovery keeps its failure", () => {
  const failure = loadEvent(join(FIXTURE_DIR, "instance-status-changes.json"));
  const recovery = loadEvent(join(FIXTURE_DIR, "variants", "instance-status-changes.succeeded.json"));
  const extra = recoveryExtras(failure, recovery, {
    nodeName: "ods_order_detail_di",
    errorLog: "FAILED: ODPS-0130071:[1,8] Semantic analysis exception - column order_amt cannot be resolved",
  });
  for (const platform of PLATFORMS)
    for (const locale of LOCALES)
      it(`instance-status-changes.recovered → ${platform} (${locale})`, async () => {
        const native = rendererFor(platform)!(templates.render(recovery, locale, { enrich: {}, extra }));
        await expect(`${JSON.stringify(native, null, 2)}\n`).toMatchFileSnapshot(
          join(GOLDEN, "instance-status-changes.recovered", `${platform}.${locale}.json`),
        );
      });
});

/** A failure with what it holds up, as enrichment reports it (src/enrich/impact.ts): the count, the nearest, the baseline. */
describe("golden renderings: a failure says what it holds up", () => {
  const failure = loadEvent(join(FIXTURE_DIR, "instance-status-changes.json"));
  const enrich = {
    nodeName: "ods_order_detail_di",
    impact: {
      waiting: 7,
      nearest: ["dwd_order_di", "dws_sales_1d", "ads_gmv_hourly", "dwd_refund_di", "dws_user_1d"],
      more: 2,
      baseline: { id: "1234", name: "早报 morning_report", priority: 8 },
    },
  };
  for (const platform of PLATFORMS)
    for (const locale of LOCALES)
      it(`instance-status-changes.impact → ${platform} (${locale})`, async () => {
        const native = rendererFor(platform)!(templates.render(failure, locale, { enrich, extra: {} }));
        await expect(`${JSON.stringify(native, null, 2)}\n`).toMatchFileSnapshot(
          join(GOLDEN, "instance-status-changes.impact", `${platform}.${locale}.json`),
        );
      });
});
