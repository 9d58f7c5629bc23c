/**
 * Hostile payloads through every template and the Slack and console renderers: markup, mentions, links,
 * 100 KB SQL, emoji, RTL text, nulls, missing fields, unknown enum values. The output must stay valid for
 * the platform (the fake Slack's Block Kit checks), within its size limits, and inject nothing.
 */
import { describe, expect, it } from "vitest";
import { renderConsole } from "../../../adapters/console/index.js";
import { renderSlack, SLACK_LIMITS } from "../../../adapters/slack/render.js";
import type { DwEvent } from "../../../src/core/event.js";
import { isDiff } from "../../../src/core/message.js";
import { blockKitProblem } from "../../fakes/slack-api.js";
import { engine, fixtureFiles, LOCALES, loadEvent } from "./support.js";

const SQL_100K = `select '<!channel>' as a, '\`\`\`' as b from t where x = '&lt;' -- ${"x".repeat(100 * 1024)}`;
const HOSTILE = [
  "<!channel> <!here> <!everyone> @all @所有人",
  "<@U0ADMIN> <#C0SECRET> <!subteam^S0OPS>",
  "<https://evil.example/login|Reset your password> [click](https://evil.example) <a href='https://evil.example'>x</a>",
  "*bold* _it_ ~del~ `code` ``` fence ``` > quote\n# heading",
  "😀👩‍👩‍👧‍👦🇨🇳".repeat(200),
  "مرحبا بالعالم \u202Egnp.exe\u202C שלום",
  "&amp; &lt; & < > \" ' \\ \u0000 \u2028 \u001b[2J\u001b]8;;https://evil.example\u0007x",
  SQL_100K,
];

/** Replace every string (and every number, with an unknown enum-like value) in the payload, recursively. */
function poison(v: unknown, i: { n: number }, numbers: boolean): unknown {
  if (typeof v === "string") return HOSTILE[i.n++ % HOSTILE.length];
  if (typeof v === "number") return numbers ? 777 : v;
  if (Array.isArray(v)) return [...v.map((x) => poison(x, i, numbers)), HOSTILE[i.n++ % HOSTILE.length]];
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poison(x, i, numbers)]));
  return v;
}

function nulled(v: unknown): unknown {
  if (Array.isArray(v)) return [null];
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).map((k) => [k, null]));
  return null;
}

function variantsOf(ev: DwEvent): Array<[string, DwEvent]> {
  const keepCode = (d: Record<string, unknown>) => ({ ...d, eventCode: ev.data.eventCode });
  return [
    ["hostile strings", { ...ev, data: keepCode(poison(ev.data, { n: 0 }, false) as Record<string, unknown>) }],
    [
      "hostile strings, unknown numbers",
      { ...ev, data: keepCode(poison(ev.data, { n: 3 }, true) as Record<string, unknown>) },
    ],
    ["every field null", { ...ev, data: keepCode(nulled(ev.data) as Record<string, unknown>) }],
    ["only eventCode", { ...ev, time: undefined, data: { eventCode: ev.data.eventCode } }],
    ["hostile enrichment", ev],
  ];
}

const ENRICH = Object.fromEntries(
  ["nodeName", "ownerName", "workspaceName", "operatorName", "cycleTime", "bizDate", "errorLog", "note"].map((k, i) => [
    k,
    HOSTILE[i % HOSTILE.length],
  ]),
);

/** Every mrkdwn text in a Block Kit payload. */
function mrkdwnTexts(blocks: Array<Record<string, unknown>>): string[] {
  const out: string[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === "object") {
      const o = n as Record<string, unknown>;
      if (o.type === "mrkdwn" && typeof o.text === "string") out.push(o.text);
      Object.values(o).forEach(visit);
    }
  };
  visit(blocks);
  return out;
}

describe("hostile values", () => {
  const t = engine();
  for (const { name, file } of fixtureFiles()) {
    it(`${name}: valid, bounded, no injection`, () => {
      for (const [what, ev] of variantsOf(loadEvent(file))) {
        for (const locale of LOCALES) {
          const where = `${name} / ${what} / ${locale}`;
          const m = t.render(ev, locale, what === "hostile enrichment" ? { enrich: ENRICH } : {});
          const slack = renderSlack(m);
          expect(blockKitProblem(slack.blocks), where).toBeUndefined();
          expect(slack.blocks.length, where).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
          expect(slack.text.length, where).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
          const texts = mrkdwnTexts(slack.blocks);
          const total = texts.join("").length + JSON.stringify(slack.blocks[0]).length;
          expect(total, where).toBeLessThanOrEqual(SLACK_LIMITS.totalText + 1000);
          for (const s of [...texts, slack.text]) {
            // The only markup left is our own console link: <https://dataworks.data.aliyun.com/…|label>.
            const controls = s.match(/<[^>]*>/g) ?? [];
            for (const c of controls)
              expect(c, where).toMatch(/^<https:\/\/dataworks\.data\.aliyun\.com\/[^|<>]+\|[^<>|]+>$/);
            expect(s, where).not.toMatch(/<!|<@|<#/);
          }
          // Code sections keep exactly their two fences even when the SQL is cut or holds ``` itself.
          const textSections = slack.blocks.filter((b) => b.type === "section" && b.text);
          m.sections.forEach((sec, i) => {
            const out = (textSections[i]?.text as { text?: string } | undefined)?.text;
            if (!isDiff(sec) && sec.style === "code" && out) {
              expect(out.match(/```/g)?.length, where).toBe(2);
              expect(out.endsWith("```"), where).toBe(true);
            }
          });
          const text = renderConsole(m).text;
          expect(text.length, where).toBeLessThan(40_000);
          for (const c of ["\u0000", "\u001b", "\u202e"]) expect(text.includes(c), where).toBe(false);
          expect(m.title, where).not.toBe("");
        }
      }
    });
  }

  it("shows unknown enum values as 'unknown (777)' in both languages", () => {
    const ev = loadEvent(fixtureFiles().find((f) => f.name === "instance-status-changes")!.file);
    const odd = { ...ev, data: { ...ev.data, status: 777, dagType: 9 } };
    expect(t.render(odd, "en").fields.find((f) => f.label === "Status")?.value).toBe("unknown (777)");
    expect(t.render(odd, "zh-CN").fields.find((f) => f.label === "状态")?.value).toBe("未知（777）");
    expect(t.render(odd, "en").severity).toBe("info");
  });

  it("never shows a webhook token from a payload", () => {
    const ev = loadEvent(fixtureFiles().find((f) => f.name === "update-data-quality-evaluation-task")!.file);
    const secret = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef";
    const data = JSON.parse(JSON.stringify(ev.data).replaceAll("access_token=xxxx", "access_token=0123456789abcdef"));
    expect(JSON.stringify(data)).toContain(secret);
    const out = JSON.stringify(renderSlack(t.render({ ...ev, data }, "en")));
    expect(out).not.toContain("0123456789abcdef");
    expect(out).toContain("access_token=***");
  });
});
