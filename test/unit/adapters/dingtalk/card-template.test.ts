import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { approvalCardTemplate, templateButtons } from "../../../../adapters/dingtalk/card-template.js";
import { createDingTalkInteractive } from "../../../../adapters/dingtalk/interactive.js";
import { renderDingTalkCardData } from "../../../../adapters/dingtalk/render.js";
import { TOPIC_CARD } from "../../../../adapters/dingtalk/stream.js";
import { APPROVE, BLOCK } from "../../../../src/approvals/card.js";
import type { ActionEvent } from "../../../../src/core/chat-adapter.js";
import { emptyMessage } from "../../../../src/core/message.js";

/**
 * The shipped import file (adapters/dingtalk/approval-card-template.json) is what a DingTalk admin imports instead
 * of building the card by hand: it must bind only variables the bot fills, and its buttons must send what the
 * Stream click handler reads.
 */
const FILE = join(import.meta.dirname, "..", "..", "..", "..", "adapters/dingtalk/approval-card-template.json");
const shipped = JSON.parse(readFileSync(FILE, "utf8")) as { editorData: string; type: string; mode: string };
const editor = JSON.parse(shipped.editorData) as {
  schema: { componentsTree: Node[] };
  variableList: Array<{ name: string; private: boolean }>;
  localList: Array<{ name: string }>;
};
interface Node {
  componentName: string;
  props: Record<string, unknown>;
  children?: Node[];
}

/** The card builder's ${name} binding. */
const binding = (name: string) => `\${${name}}`;
const buttons = templateButtons(shipped);

/** Every variable the template reads: `variable` fields and ${name} bindings. */
function usedVariables(): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown, key?: string) => {
    if (typeof v === "string") {
      if (key === "variable" && v) out.add(v);
      for (const m of v.matchAll(/\$\{(\w+)\}/g)) out.add(m[1] as string);
    } else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(editor.schema.componentsTree);
  return out;
}

function approvalMessage() {
  const m = emptyMessage("approval:deploy-file", "zh-CN");
  m.title = "发布 ads_finance_voucher_di";
  m.actions = [
    { actionId: APPROVE, label: "批准", value: "ap_0123456789", style: "primary" },
    { actionId: BLOCK, label: "拒绝", value: "ap_0123456789", style: "danger" },
  ];
  return m;
}

describe("the DingTalk approval card template (import file)", () => {
  it("is the generator's output, in the card builder's export envelope", () => {
    expect(readFileSync(FILE, "utf8")).toBe(`${JSON.stringify(approvalCardTemplate(), null, 2)}\n`);
    expect([shipped.type, shipped.mode]).toEqual(["standard", "card"]);
  });

  it("binds only declared variables, and the bot fills every public one on a pending card", () => {
    const declared = new Set([...editor.variableList.map((v) => v.name), ...editor.localList.map((v) => v.name)]);
    expect([...usedVariables()].filter((v) => !declared.has(v))).toEqual([]);
    const filled = renderDingTalkCardData(approvalMessage()).cardParamMap;
    const publicVars = editor.variableList.filter((v) => !v.private).map((v) => v.name);
    expect(publicVars.filter((v) => !filled[v])).toEqual([]);
    expect(filled.status).toBe("pending");
  });

  it("declares as private exactly what a click answer sets for the clicker", async () => {
    const interactive = createDingTalkInteractive({ timeoutMs: 1000, now: Date.now });
    interactive.setHandlers({ onAction: async () => ({ ok: true, text: "已批准" }) });
    const ack = (await interactive.onCallback(TOPIC_CARD, clickFor("approve", {}), "m-private")) as {
      userPrivateData: { cardParamMap: Record<string, string> };
    };
    const privateVars = editor.variableList.filter((v) => v.private).map((v) => v.name);
    for (const v of privateVars) expect(Object.keys(ack.userPrivateData.cardParamMap)).toContain(v);
  });

  it("has an Approve and a Block button that call back to the bot while the card is pending", () => {
    expect(buttons.map((b) => [b.id, b.actionType, b.text.content])).toEqual([
      ["approve", "request", binding("action0Label")],
      ["block", "request", binding("action1Label")],
    ]);
    for (const b of buttons)
      expect(JSON.stringify(b)).toContain('"variable":"status","variableType":"global","op":"equal","value":"pending"');
  });

  for (const id of ["approve", "block"] as const)
    it(`${id}: the params its button sends reach the core as the right action, approval and reason`, async () => {
      const b = buttons.find((x) => x.id === id);
      if (!b) throw new Error(`no ${id} button`);
      const filled = renderDingTalkCardData(approvalMessage()).cardParamMap;
      const local: Record<string, string> = { reason: "等待数据质量检查" };
      // What DingTalk sends: fixed params as written, variable params with the card's (or local) value.
      const params = Object.fromEntries(
        b.params.map((p) => [p.name, p.type === "fixed" ? p.value : (local[p.variable] ?? filled[p.variable])]),
      );
      const seen: ActionEvent[] = [];
      const interactive = createDingTalkInteractive({ timeoutMs: 1000, now: Date.now });
      interactive.setHandlers({
        onAction: async (ev) => {
          seen.push(ev);
          return { ok: true, text: "ok" };
        },
      });
      await interactive.onCallback(TOPIC_CARD, clickFor(id, params), `m-${id}`);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ actionId: id === "approve" ? APPROVE : BLOCK, value: "ap_0123456789" });
      expect(seen[0]?.input).toBe(id === "block" ? "等待数据质量检查" : undefined);
    });
});

/** A Stream card callback as DingTalk delivers it (notes §3.2): content is a JSON string. */
function clickFor(actionId: string, params: Record<string, unknown>) {
  return {
    outTrackId: "dw-00000000-0000-4000-8000-000000000000", // carries no approval id: the params must
    userId: "0123456",
    content: JSON.stringify({ cardPrivateData: { actionIds: [actionId], params } }),
  };
}
