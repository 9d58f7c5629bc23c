import { describe, expect, it } from "vitest";
import { cutMarkdown } from "../../../../adapters/lark/card-size.js";
import { md } from "../../../../adapters/lark/escape.js";
import { LARK_LIMITS, type LarkCard, renderLark } from "../../../../adapters/lark/render.js";
import { webhookBody } from "../../../../adapters/lark/webhook.js";
import { emptyMessage, type Message } from "../../../../src/core/message.js";
import { cardProblem } from "../../../fakes/lark-api.js";

const HOSTILE = [
  "<at id=all></at>",
  '<at user_id="ou_1">x</at>',
  "**bold** _it_ ~~s~~ `code`",
  "[phish](https://evil.example/login)",
  "![img](https://evil.example/x.png)",
  "# heading\n> quote\n- item\n1. one\n---",
  "<font color='red'>red</font> <link url=x>l</link>",
  ":OK: https://evil.example/autolink",
  "&lt;at id=all&gt;",
  "| a | b |\n|---|---|",
];

function hostileMessage(): Message {
  const m = emptyMessage("hostile", "en");
  m.title = "Deploy <at id=all></at> **now** 🚀 مرحبا";
  m.summary = "summary [x](http://evil)";
  m.severity = "danger";
  m.fields = HOSTILE.map((v, i) => ({ label: `f${i} *label*`, value: v }));
  m.sections = [
    { title: "plain", text: HOSTILE.join("\n") },
    { title: "quote", text: HOSTILE.join("\n"), style: "quote" },
    { title: "SQL", text: "SELECT 1 -- ```\n<at id=all></at>\n", style: "code" },
  ];
  m.links = [
    { label: "open [me](http://x)", url: "https://dataworks.console.aliyun.com/a?b=1&c=(2)" },
    { label: "js", url: "javascript:alert(1)" },
    { label: "spaces", url: "https://x.example/a b" },
  ];
  m.context = ["event <at id=all></at>", "user‮evil‬ RTL"];
  m.mentions = [{ userId: "ou_123abc" }, { userId: "all" }, { userId: "ou_1></at><at id=all" }];
  m.actions = [
    { actionId: "approval.approve", label: "Approve ✅", value: "appr-1", style: "primary" },
    { actionId: "approval.block", label: "Block", value: "appr-1", style: "danger" },
  ];
  return m;
}

/** Every markdown content of a card, in order. */
function markdowns(card: LarkCard): string[] {
  return card.body.elements.filter((e) => e.tag === "markdown").map((e) => String(e.content));
}

describe("renderLark", () => {
  it("renders a valid JSON 2.0 card with header colour, fields, sections, links, buttons and context", () => {
    const { card } = renderLark(hostileMessage());
    expect(cardProblem(card as unknown as Record<string, unknown>)).toBeUndefined();
    expect(card.schema).toBe("2.0");
    expect(card.config.update_multi).toBe(true);
    expect(card.header.template).toBe("red");
    expect(card.header.title).toEqual({ tag: "plain_text", content: "Deploy <at id=all></at> **now** 🚀 مرحبا" });
    const buttons = JSON.stringify(card.body.elements.filter((e) => e.tag === "column_set"));
    expect(buttons).toContain(
      '"behaviors":[{"type":"callback","value":{"actionId":"approval.approve","value":"appr-1"}}]',
    );
    expect(buttons).toContain('"type":"danger"');
  });

  it("gives every severity its header template", () => {
    const colours = (["info", "success", "warning", "danger"] as const).map(
      (severity) => renderLark({ ...emptyMessage("k", "en"), severity }).card.header.template,
    );
    expect(colours).toEqual(["blue", "green", "orange", "red"]);
  });

  it("lets no untrusted value inject a mention, link, image, tag or formatting", () => {
    const { card } = renderLark(hostileMessage());
    const all = markdowns(card);
    const [mentions, ...rest] = all;
    // Only the router's mentions become <at>; the hostile id is dropped.
    expect(mentions).toBe("<at id=ou_123abc></at> <at id=all></at>");
    const text = rest.join("\n");
    expect(text).not.toMatch(/<at|<font|<link/);
    expect(text).not.toMatch(/\*\*bold|~~s~~|`code`|!\[|\]\(https:\/\/evil/);
    expect(text).not.toMatch(/^\s*(#|>(?! )|- |1\.|---|\|)/m);
    expect(text).not.toContain("https://evil");
    // The only markdown links are the two valid ones we built, with escaped labels and a safe URL.
    const links = text.match(/\[[^\]]*\]\([^)]*\)/g) ?? [];
    expect(links).toEqual([
      "[open &#91;me&#93;&#40;http&#58;//x&#41;](https://dataworks.console.aliyun.com/a?b=1&c=%282%29)",
    ]);
  });

  it("keeps code sections inside their fence and defuses tags there", () => {
    const code = markdowns(renderLark(hostileMessage()).card).find((c) => c.includes("SELECT"))!;
    expect(code).toContain("```\nSELECT 1 -- `\u200b``\n＜at id=all>＜/at>");
    expect((code.match(/```/g) ?? []).length).toBe(2);
  });

  it("escapes round-trip: decoding the entities gives the original text back", () => {
    const decode = (s: string) => s.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)));
    for (const v of HOSTILE) expect(decode(md(v))).toBe(v);
  });

  it("cuts a 100 KB SQL log to fit 30 KB, with a marker, and keeps the buttons", () => {
    const m = hostileMessage();
    m.sections.push({
      title: "log",
      text: `${"SELECT * FROM t WHERE a < 1 AND b = '中文';\n".repeat(2500)}END`,
      style: "code",
    });
    m.fields.push({ label: "huge", value: "x*".repeat(50_000) });
    const { card } = renderLark(m);
    const size = Buffer.byteLength(JSON.stringify(card));
    expect(size).toBeLessThanOrEqual(LARK_LIMITS.cardBytes);
    expect(JSON.stringify(card)).toContain("(truncated)");
    expect(cardProblem(card as unknown as Record<string, unknown>)).toBeUndefined();
    for (const c of markdowns(card)) expect((c.match(/```/g) ?? []).length % 2).toBe(0);
    expect(card.body.elements.some((e) => e.tag === "column_set")).toBe(true);
  });

  it("survives empty and odd values (nulls coerced upstream, empty strings, emoji only)", () => {
    const m = emptyMessage("x", "zh-CN");
    m.title = "";
    m.fields = [
      { label: "", value: "" },
      { label: "😀", value: "👍🏽‍" },
    ];
    m.sections = [{ text: "" }];
    m.links = [{ label: "", url: "" }];
    const { card } = renderLark(m);
    expect(cardProblem(card as unknown as Record<string, unknown>)).toBeUndefined();
    expect(JSON.parse(JSON.stringify(card))).toEqual(card);
  });

  it("custom-bot body drops callback buttons and fits 20 KB", () => {
    const m = hostileMessage();
    m.sections.push({ text: "日志".repeat(20_000), style: "code" });
    const body = webhookBody(renderLark(m).card, undefined, 0);
    expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThanOrEqual(LARK_LIMITS.webhookBodyBytes);
    expect(JSON.stringify(body)).not.toContain("callback");
    expect(body).not.toHaveProperty("sign");
  });

  it("cutMarkdown never leaves half an entity", () => {
    const s = md("a*b*c*d*e*f*g".repeat(10));
    for (let n = 20; n < 80; n++) expect(cutMarkdown(s, n)).not.toMatch(/&#?\d*\n…/);
  });
});
