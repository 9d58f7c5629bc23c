import { describe, expect, it } from "vitest";
import { neutralise } from "../../../../adapters/dingtalk/neutralise.js";
import { DINGTALK_LIMITS, renderDingTalk, renderDingTalkCardData } from "../../../../adapters/dingtalk/render.js";
import { emptyMessage, type Message } from "../../../../src/core/message.js";

const HOSTILE = [
  "@all @13800138000 @manager1",
  "**bold** *it* _u_ ~~s~~ `code`",
  "[phish](https://evil.example/login)",
  "![img](https://evil.example/x.png)",
  "# heading\n> quote\n- item\n+ item\n1. one\n---",
  "<font color=#FF0000>red</font> <a href='x'>a</a>",
  "https://evil.example/autolink",
  "| a | b |",
  "\\*escaped\\*",
];

function hostileMessage(): Message {
  const m = emptyMessage("hostile", "en");
  m.title = "Deploy **now** @all 🚀 مرحبا";
  m.severity = "warning";
  m.fields = HOSTILE.map((v, i) => ({ label: `f${i} #label`, value: v }));
  m.sections = [
    { title: "plain", text: HOSTILE.join("\n") },
    { title: "SQL", text: "SELECT * FROM t WHERE a > 1 -- [x](y)", style: "code" },
  ];
  m.links = [
    { label: "open [me]", url: "https://dataworks.console.aliyun.com/a?b=(1)" },
    { label: "js", url: "javascript:alert(1)" },
  ];
  m.context = ["event @all", "user‮evil‬ RTL"];
  m.mentions = [{ userId: "manager1" }, { userId: "all" }, { userId: "x) @all [y" }];
  m.actions = [{ actionId: "approval.approve", label: "Approve", value: "appr-1", style: "primary" }];
  return m;
}

describe("renderDingTalk", () => {
  it("renders title, heading, fields, sections and links in DingTalk's markdown subset", () => {
    const p = renderDingTalk(hostileMessage());
    expect(p.text.startsWith("#### 🟠 Deploy ＊＊now＊＊ ＠all 🚀 مرحبا\n\n")).toBe(true);
    expect(p.text).toContain("**f0 #label**: ＠all ＠13800138000 ＠manager1");
    expect(p.text).toContain("> SELECT ＊ FROM t WHERE a > 1 -- ［x］(y)");
    expect(p.title).toBe("Deploy **now** @all 🚀 مرحبا");
  });

  it("@mentions only the router's ids: atUserIds plus @id in the text; @all via isAtAll", () => {
    const p = renderDingTalk(hostileMessage());
    expect(p.at).toEqual({ atUserIds: ["manager1"], isAtAll: true });
    expect(p.text.match(/(^|[^＠])@\S+/g)).toEqual(["\n@manager1"]);
  });

  it("lets no untrusted value inject markup, links, images, tags or mentions", () => {
    const text = renderDingTalk(hostileMessage()).text;
    const ours =
      /^#### |\*\*[^*]+\*\*: |^\*\*(plain|SQL)\*\*$|^> |^@manager1$|\[open ［me］\]\(https:\/\/dataworks\.console\.aliyun\.com\/a\?b=%281%29\)/;
    // Strip what the renderer itself wrote; nothing markup-like may remain.
    const rest = text
      .split("\n")
      .map((l) => l.replace(ours, "").replace(/\*\*[^*]+\*\*: /, ""))
      .join("\n")
      .replace(/\[open ［me］\]\(https:\/\/dataworks\.console\.aliyun\.com\/a\?b=%281%29\)/, "");
    // Markup needs one of * < [ ] ` @, a ~~ pair, an underscore at a word boundary, or #/>/list markers at a line start.
    expect(rest).not.toMatch(/[*<[\]`@]|~~/);
    expect(rest).not.toMatch(/(^|[^\p{L}\p{N}])_|_($|[^\p{L}\p{N}])/mu);
    expect(rest).not.toMatch(/^\s*([#>]|[-+]\s|\d+\.\s)/m);
    expect(rest).not.toMatch(/https?:\/\//);
    expect(text).not.toContain("javascript:");
  });

  it("neutralise keeps identifiers, sizes and times copyable", () => {
    expect(neutralise("ods_order_detail_di")).toBe("ods_order_detail_di");
    expect(neutralise("9.8 MB")).toBe("9.8 MB");
    expect(neutralise("10:15:30 (UTC+08:00)")).toBe("10:15:30 (UTC+08:00)");
    expect(neutralise("_italic_ and **bold**")).toBe("＿italic＿ and ＊＊bold＊＊");
  });

  it("neutralise turns a <…> pair into a full-width pair, as the command help writes arguments", () => {
    expect(neutralise("show|查看 <事件 ID>")).toBe("show|查看 ＜事件 ID＞");
    expect(neutralise("block <审批 ID> <原因>")).toBe("block ＜审批 ID＞ ＜原因＞");
    // A lone ">" inside a line forms nothing and stays.
    expect(neutralise("$checkValue > 0")).toBe("$checkValue > 0");
  });

  it("neutralise keeps the text readable (one look-alike per character)", () => {
    for (const v of HOSTILE) expect(Array.from(neutralise(v)).length).toBe(Array.from(v).length);
  });

  it("cuts a 100 KB SQL log to 20,000 bytes with a marker", () => {
    const m = hostileMessage();
    m.sections.push({ title: "log", text: "SELECT '中文' FROM t;\n".repeat(6000), style: "code" });
    m.fields.push({ label: "huge", value: "值".repeat(40_000) });
    const p = renderDingTalk(m);
    expect(Buffer.byteLength(p.text)).toBeLessThanOrEqual(DINGTALK_LIMITS.textBytes);
    expect(p.text.endsWith("…(truncated)")).toBe(true);
  });

  it("survives empty values and emoji", () => {
    const m = emptyMessage("k", "zh-CN");
    m.title = "";
    m.fields = [
      { label: "", value: "" },
      { label: "😀", value: "👍🏽" },
    ];
    m.sections = [{ text: "" }];
    const p = renderDingTalk(m);
    expect(p.title).toBe("k");
    expect(p.text).toContain("**😀**: 👍🏽");
  });
});

describe("renderDingTalkCardData", () => {
  it("gives cardParamMap with string values only, actions and fields as JSON strings", () => {
    const { cardParamMap } = renderDingTalkCardData(hostileMessage());
    for (const v of Object.values(cardParamMap)) expect(typeof v).toBe("string");
    expect(JSON.parse(cardParamMap.actions!)).toEqual([
      { actionId: "approval.approve", label: "Approve", value: "appr-1", style: "primary" },
    ]);
    expect(JSON.parse(cardParamMap.fields!)).toHaveLength(HOSTILE.length);
    expect(JSON.parse(cardParamMap.links!)).toEqual([
      { label: "open [me]", url: "https://dataworks.console.aliyun.com/a?b=%281%29" },
    ]);
    expect(cardParamMap.severity).toBe("warning");
    expect(cardParamMap.markdown).not.toContain("[phish]");
  });
});
