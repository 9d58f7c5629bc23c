/**
 * Golden approval cards with facts (issue 16): each case of test/helpers/approval-facts.ts × every platform renderer
 * × both locales, as the exact native payload under test/golden/approval-facts/. Review a diff here like a UI
 * change. Update with `npx vitest run -u test/unit/approvals/facts-card.golden.test.ts`.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { approvalCard } from "../../../src/approvals/card.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { packageRoot } from "../../../src/package-root.js";
import { rendererFor } from "../../../src/platforms.js";
import { blockKitProblem } from "../../fakes/slack-api.js";
import { approvalWith, factCases } from "../../helpers/approval-facts.js";
import { COMMITTER } from "../../helpers/dataworks-seeds.js";
import { engine, LOCALES } from "../templating/support.js";

const PLATFORMS = ["slack", "lark", "dingtalk", "console"];
const GOLDEN = join(packageRoot(), "test", "golden", "approval-facts");
const templates = engine();
const config = parseConfig(
  {
    server: { publicUrl: "https://chatops.example.com/" },
    enrich: { userNames: { [COMMITTER]: "Li Lei" } },
    templates: { timeZone: "Asia/Shanghai" },
  },
  {},
);

describe("golden approval cards with facts", () => {
  for (const [name, c] of Object.entries(factCases()))
    for (const platform of PLATFORMS)
      for (const locale of LOCALES)
        it(`${name} → ${platform} (${locale})`, async () => {
          const card = approvalCard(approvalWith(c.fixture, c.facts, c.highlights), locale, templates, config);
          const native = rendererFor(platform)!(card);
          if (platform === "slack")
            expect(blockKitProblem((native as { blocks: Array<Record<string, unknown>> }).blocks)).toBeUndefined();
          await expect(`${JSON.stringify(native, null, 2)}\n`).toMatchFileSnapshot(
            join(GOLDEN, name, `${platform}.${locale}.json`),
          );
        });
});
