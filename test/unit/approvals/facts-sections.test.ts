import { describe, expect, it } from "vitest";
import { factsParts, safeWhy } from "../../../src/approvals/facts-sections.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { type SettledFacts, type UnavailableReason, unavailable } from "../../../src/approvals/snapshot/fetch.js";
import { isDiff } from "../../../src/core/message.js";
import { translate } from "../../../src/templating/i18n.js";
import { approvalWith, factCases } from "../../helpers/approval-facts.js";
import { engine } from "../templating/support.js";

const templates = engine();
const t =
  (locale: string) =>
  (k: string, p: Record<string, unknown> = {}) =>
    translate(templates.messages, locale, k, p);
const withUrl = parseConfig({ server: { publicUrl: "https://chatops.example.com" } }, {});
const noUrl = parseConfig({}, {});
const cases = factCases();
const parts = (name: string, config = withUrl, locale = "en") => {
  const c = cases[name]!;
  return factsParts(approvalWith(c.fixture, c.facts, c.highlights), t(locale), config);
};
const field = (p: ReturnType<typeof parts>, label: string) => p.fields.find((f) => f.label === label)?.value;

describe("the facts on an approval card", () => {
  it("a commit: what it is compared with, who committed, the cron change, and the diff with its whole-diff link", () => {
    const p = parts("commit-file");
    expect(field(p, "Compared with")).toBe("the previous version (6)");
    expect(field(p, "Committed by")).toBe("1938274650735"); // no configured name: the id
    expect(field(p, "Schedule (cron) changed")).toBe("00 30 02 * * ? \u2192 00 05 00 * * ?");
    const d = p.sections.find(isDiff)!;
    expect(d.diff).toMatchObject({ summary: "+2 \u22121", truncated: false });
    expect(d.diff.link?.url).toBe("https://chatops.example.com/approvals/AbCdEfGhIjKlMnOpQrStUv#diff");
    expect(parts("commit-file", noUrl).sections.find(isDiff)?.diff.link).toBeUndefined();
  });

  it("a deploy against production, a first deployment, a new file and a delete say so (en and zh-CN)", () => {
    expect(field(parts("deploy-file"), "Compared with")).toBe("production (version 5)");
    expect(field(parts("deploy-file.first"), "Compared with")).toBe("first deployment");
    expect(parts("deploy-file.first").sections.find(isDiff)?.title).toBe("First deployment: its first lines");
    expect(field(parts("commit-file.new"), "Compared with")).toBe("new file");
    expect(parts("commit-file.new").sections.find(isDiff)?.title).toBe("New file: its first lines");
    const del = parts("delete-file", withUrl, "zh-CN");
    expect(field(del, "对比基准")).toBe("文件将被删除");
    expect(del.sections.find(isDiff)?.diff.lines.every((l) => l.kind !== "add")).toBe(true);
  });

  it("a run shows its code; a table its environment, lifecycle and every column", () => {
    const run = parts("run-file").sections[0]!;
    expect(!isDiff(run) && run.style === "code" && run.text).toContain("DROP TABLE IF EXISTS tmp_orders;");
    const table = parts("commit-table", withUrl, "zh-CN");
    expect(field(table, "环境")).toBe("开发环境");
    expect(field(table, "生命周期")).toBe("365 天");
    const cols = table.sections[0]!;
    expect(!isDiff(cols) && cols.text.split("\n")).toEqual([
      "order_id  BIGINT  -- order id",
      "amount  DECIMAL(18,2)",
      "ds  STRING  -- 分区 · business date",
    ]);
  });

  it("loading and unavailable are one line; events without a snapshot (downloads) get nothing", () => {
    expect(parts("commit-file.loading").sections).toEqual([
      { text: "Loading the details (code, diff) from DataWorks… this card is updated when they arrive." },
    ]);
    expect(parts("commit-file.unavailable", withUrl, "zh-CN").sections).toEqual([
      { text: "详情不可用：查询 DataWorks 失败 (GetIDEEventDetail failed: HTTP 400 InvalidParameter.MessageId)" },
    ]);
    expect(parts("download-resources")).toEqual({ fields: [], sections: [] });
  });

  it("why details are unavailable is said in the card's language, each reason in en and zh-CN, its detail kept", () => {
    const reasons: UnavailableReason[] = [
      "not-a-snapshot-event",
      "no-project",
      "empty-snapshot",
      "lookup-failed",
      "failed-recently",
      "no-credentials",
      "disabled",
      "timeout",
    ];
    const line = (locale: string, facts: SettledFacts) => {
      const s = factsParts(approvalWith("commit-file", facts), t(locale), withUrl).sections[0];
      return s && !isDiff(s) ? s.text : undefined;
    };
    for (const reason of reasons) {
      const en = line("en", { status: "unavailable", reason, why: "English sentence for the log" });
      const zh = line("zh-CN", { status: "unavailable", reason, why: "English sentence for the log" });
      expect(en).toMatch(/^Details unavailable: [a-zA-Z]/);
      expect(zh).toMatch(/^详情不可用：/);
      for (const text of [en, zh]) {
        expect(text).not.toContain("approval.facts.why");
        expect(text).not.toContain("English sentence");
      }
      // Beyond product names and the AccessKey, the zh-CN reason has no English words.
      expect(zh!.replace(/DataWorks|AccessKey/g, "")).not.toMatch(/[a-zA-Z]{3,}/);
    }
    const timeout = line("zh-CN", unavailable("timeout", "DataWorks did not answer within 120 s", "120 s"));
    expect(timeout).toBe("详情不可用：DataWorks 未及时响应 (120 s)");
    const keyed = line("en", unavailable("lookup-failed", "x", "GET https://dw.example.com/?AccessKeyId=LTAI123&x=1"));
    expect(keyed).toBe("Details unavailable: the DataWorks lookup failed (GET https://dw.example.com/)");
    // An approval stored before the codes keeps showing its sentence.
    expect(line("zh-CN", { status: "unavailable", why: "DataWorks answered 400" })).toBe(
      "详情不可用：DataWorks answered 400",
    );
  });

  it("flagged lines come first, numbered", () => {
    const s = parts("commit-file.flagged").sections[0]!;
    expect(s).toEqual({
      title: 'Flagged by policy "no-drops"',
      text: "2│ DROP TABLE IF EXISTS tmp_orders;",
      style: "code",
    });
  });

  it("a failure's words lose anything that looks like a credential or a signed query", () => {
    const why = safeWhy(
      "request to https://dataworks.cn-hangzhou.aliyuncs.com/?AccessKeyId=LTAI123&Signature=abc failed; AccessKeySecret=s3cr3t",
    );
    expect(why).not.toMatch(/LTAI123|abc|s3cr3t/);
    expect(why).toContain("https://dataworks.cn-hangzhou.aliyuncs.com/");
  });
});
