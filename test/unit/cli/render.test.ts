import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PREVIEW_APPROVAL_ID } from "../../../src/cli/approval-preview.js";
import { renderCommand } from "../../../src/cli/render.js";
import { fixture } from "../../helpers/fixtures.js";

/**
 * `dw-chatops render` on the events the bot turns into approvals: the card as posted (buttons, deadline,
 * approvers) on every platform and locale; a policy's decided card; files holding several events.
 */
const dir = mkdtempSync(join(tmpdir(), "dwc-render-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const CONFIG = write(
  "config.yaml",
  [
    "templates: { timeZone: Asia/Shanghai }",
    "destinations: { ops: { platform: console } }",
    "routes: [{ destinations: [ops] }]",
    "approvals:",
    "  groups: { leads: { slack: [U0LEAD1] } }",
    "  policies:",
    "    - { name: no-drops, match: { data: { fileName: [dim_dropped] } }, decide: block, message: Dropping is frozen }",
    "  routes:",
    "    - name: prod",
    "      destinations: [ops]",
    "      approvers: { groups: [leads], users: { console: [alice] } }",
    "      timeout: 45m",
    "",
  ].join("\n"),
);

const NOW = Date.parse("2026-12-07T10:00:00+08:00");
const commit = fixture("commit-file");

async function render(file: string, platform: string, locale: string) {
  let out = "";
  let note = "";
  const code = await renderCommand({
    configPath: CONFIG,
    file,
    platform,
    locale,
    now: NOW,
    out: (t) => {
      out += t;
    },
    note: (t) => {
      note += t;
    },
  });
  return { code, payload: JSON.parse(out) as unknown, text: out, note };
}

const WORDS = {
  en: { approve: "Approve", block: "Block", deadline: "Decide by" },
  "zh-CN": { approve: "批准", block: "拒绝", deadline: "审批截止" },
} as const;

describe("dw-chatops render: approval cards", () => {
  const eventFile = write("commit.json", JSON.stringify(commit));

  for (const platform of ["slack", "lark", "dingtalk", "console"])
    for (const locale of ["en", "zh-CN"] as const)
      it(`an extension point event is its pending approval card on ${platform} (${locale})`, async () => {
        const r = await render(eventFile, platform, locale);
        expect(r.code).toBe(0);
        expect(r.note).toContain('pending approval card of route "prod"');
        // The buttons carry the approval id; the card names the deadline (now + 45m, in the configured zone).
        expect(r.text).toContain(PREVIEW_APPROVAL_ID);
        expect(r.text).toMatch(/10(:|&#58;)45/); // Lark markdown escapes ":"
        expect(r.text).toContain("@leads");
        expect(r.text).toContain("alice");
        const words = WORDS[locale];
        if (platform !== "dingtalk") {
          expect(r.text).toContain(words.approve);
          expect(r.text).toContain(words.block);
        }
        if (platform === "dingtalk") {
          // As the adapter posts it: an interactive card whose data lists both actions.
          const p = r.payload as { interactive: boolean; card: { cardParamMap: Record<string, string> } };
          expect(p.interactive).toBe(true);
          const actions = JSON.parse(p.card.cardParamMap.actions ?? "[]") as Array<{ actionId: string; label: string }>;
          expect(actions.map((a) => a.actionId)).toEqual(["approval.approve", "approval.block"]);
          expect(actions.map((a) => a.label)).toEqual([words.approve, words.block]);
        }
      });

  it("renders Slack buttons as Block Kit actions", async () => {
    const r = await render(eventFile, "slack", "en");
    const blocks = (r.payload as { blocks: Array<{ type: string; elements?: Array<{ value?: string }> }> }).blocks;
    const actions = blocks.find((b) => b.type === "actions");
    expect(actions?.elements?.map((e) => e.value)).toEqual([PREVIEW_APPROVAL_ID, PREVIEW_APPROVAL_ID]);
  });

  it("an event a policy decides is the decided card (no buttons) the route's destinations get", async () => {
    const dropped = { ...commit, data: { ...(commit.data as object), fileName: "dim_dropped" } };
    const r = await render(write("dropped.json", JSON.stringify(dropped)), "console", "en");
    expect(r.note).toContain('blocked approval card of route "prod"');
    const text = (r.payload as { text: string }).text;
    expect(text).toContain("no-drops");
    expect(text).not.toContain("[Approve]");
  });

  it("a file holding several events renders each, in order, as a JSON array", async () => {
    const failed = fixture("instance-status-changes");
    const r = await render(write("list.json", JSON.stringify([failed, commit])), "console", "en");
    const list = r.payload as Array<{ text: string }>;
    expect(list).toHaveLength(2);
    expect(list[0]?.text).not.toContain("[Approve]");
    expect(list[1]?.text).toContain("[Approve] [Block]");
  });
});
