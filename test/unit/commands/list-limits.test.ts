import { describe, expect, it } from "vitest";
import { CUT_MARKER as DINGTALK_CUT, DINGTALK_LIMITS, renderDingTalk } from "../../../adapters/dingtalk/render.js";
import { CUT_MARKER as LARK_CUT } from "../../../adapters/lark/card-size.js";
import { LARK_LIMITS, renderLark } from "../../../adapters/lark/render.js";
import { renderSlack } from "../../../adapters/slack/render.js";
import { addList, LIST_BUDGET, message } from "../../../src/commands/reply.js";
import { isDiff } from "../../../src/core/message.js";
import { blockKitProblem } from "../../fakes/slack-api.js";

/** 50 list items of the longest kind: CJK titles (3 bytes a character), ids, times. */
const items = Array.from(
  { length: 50 },
  (_, i) =>
    `🔴 失败：节点 ods_订单明细_日增量_${"很长的节点名称".repeat(12)}_${i}\n2025-06-18 10:15:30 (UTC+08:00) · instance-status-changes · 工作空间 dw_sales_prod · id 53a224b1-4ea1-4625-aa9e-6caec34fa1b${i}`,
);

describe("list answers fit every platform without the adapter cutting them", () => {
  const m = message("recent", "zh-CN", "最近事件（50）");
  const shown = addList(m, items);
  m.context.push(`还有 ${items.length - shown} 条未显示`);

  it("keeps whole items within the byte budget and says how many were left out", () => {
    expect(shown).toBeGreaterThan(5);
    expect(shown).toBeLessThan(items.length);
    const texts = m.sections.map((s) => (isDiff(s) ? "" : s.text));
    const bytes = texts.reduce((n, s) => n + Buffer.byteLength(s), 0);
    expect(bytes).toBeLessThanOrEqual(LIST_BUDGET.totalBytes);
    for (const s of texts) expect(s.length).toBeLessThanOrEqual(LIST_BUDGET.sectionChars);
    expect(texts.join("\n\n").split("\n\n")).toHaveLength(shown);
  });

  it("Slack: valid Block Kit, no section truncated", () => {
    const p = renderSlack(m);
    expect(blockKitProblem(p.blocks)).toBeUndefined();
    const text = JSON.stringify(p.blocks);
    expect(text).toContain(`_${shown - 1}\\n`);
    expect(text).not.toContain("more blocks not shown");
  });

  it("DingTalk: under the app robot's msgParam limit, not cut", () => {
    const p = renderDingTalk(m);
    expect(Buffer.byteLength(JSON.stringify({ title: p.title, text: p.text }))).toBeLessThan(
      DINGTALK_LIMITS.msgParamBytes,
    );
    expect(p.text).not.toContain(DINGTALK_CUT.trim());
  });

  it("Lark: under the card size limit, not cut", () => {
    const p = renderLark(m);
    expect(Buffer.byteLength(JSON.stringify(p.card))).toBeLessThan(LARK_LIMITS.cardBytes);
    expect(JSON.stringify(p.card)).not.toContain(LARK_CUT.trim());
  });
});
