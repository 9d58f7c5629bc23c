/**
 * A diff section fitted to each platform's limit: exactly at the boundary everything shows with no tail, one unit
 * less drops a line and says how many changed lines are left out with a link to the whole diff; code holding ```,
 * mentions and tags never escapes its block.
 */
import { describe, expect, it } from "vitest";
import { renderDiff as dingtalkDiff } from "../../../adapters/dingtalk/diff.js";
import { renderDingTalk } from "../../../adapters/dingtalk/render.js";
import { cardBytes } from "../../../adapters/lark/card-size.js";
import { renderDiff as larkDiff, wire } from "../../../adapters/lark/diff.js";
import { LARK_LIMITS, renderLark } from "../../../adapters/lark/render.js";
import { renderDiff as slackDiff } from "../../../adapters/slack/diff.js";
import { renderSlack, SLACK_LIMITS } from "../../../adapters/slack/render.js";
import { type DiffLine, type DiffSection, emptyMessage, fitDiff, type MessageDiff } from "../../../src/core/message.js";
import { blockKitProblem } from "../../fakes/slack-api.js";

const WORDS = { more: "{count} more changed lines", whole: "see the whole diff", shortened: "the diff is shortened" };
const LINK = { label: "", url: "https://chatops.example.com/approvals/abc#diff" };

function diffOf(lines: DiffLine[], extra: Partial<MessageDiff> = {}): MessageDiff {
  const added = lines.filter((l) => l.kind === "add").length;
  const removed = lines.filter((l) => l.kind === "del").length;
  return {
    file: "ods_order_detail_di",
    added,
    removed,
    summary: `+${added} \u2212${removed}`,
    lines,
    truncated: false,
    link: LINK,
    words: WORDS,
    ...extra,
  };
}
const section = (d: MessageDiff): DiffSection => ({ kind: "diff", title: "Code change", diff: d });

/** One hunk of n changed lines, alternately removed and added, with a context line around. */
function lines(n: number, text = (i: number) => `SELECT ${i} AS n FROM t_${i};`): DiffLine[] {
  return [
    { kind: "hunk", text: `@@ -1,${n} +1,${n} @@` },
    { kind: "context", text: "-- header" },
    ...Array.from({ length: n }, (_, i): DiffLine => ({ kind: i % 2 ? "add" : "del", text: text(i) })),
  ];
}

const HOSTILE: DiffLine[] = [
  { kind: "hunk", text: "@@ -0,0 +1,4 @@" },
  { kind: "add", text: "-- ``` <!channel> <!here> <@U0ALICE> @all <at id=all></at>" },
  { kind: "add", text: "SELECT '```' AS f, '<script>' AS s, '[x](http://evil)' AS l, '*bold*' AS b;" },
  { kind: "add", text: "```" },
  { kind: "add", text: "# heading > quote" },
];

describe("fitDiff (core)", () => {
  const d = diffOf(lines(10));
  const unit = () => 1;

  it("all lines at exactly the budget, with no tail; one less leaves room for the tail too", () => {
    expect(fitDiff(d, d.lines.length, unit)).toEqual({ lines: d.lines });
    const cut = fitDiff(d, d.lines.length - 1, unit, () => 3);
    // 12 lines, room for 8: the header, the context line and 6 of the 10 changes.
    expect(cut.lines).toHaveLength(d.lines.length - 1 - 3);
    expect(cut.tail).toEqual({ text: "4 more changed lines", link: { ...LINK, label: "see the whole diff" } });
  });

  it("never ends on a hunk header, and counts every changed line left out", () => {
    const r = fitDiff(d, 1, unit);
    expect(r.lines).toEqual([]);
    expect(r.tail?.text).toBe("10 more changed lines");
  });

  it("a diff the core already cut says so even when every changed line shows; no link without a public URL", () => {
    const r = fitDiff(diffOf(lines(2), { truncated: true, link: undefined }), 100, unit);
    expect(r.lines).toHaveLength(4);
    expect(r.tail).toEqual({ text: "the diff is shortened" });
  });
});

describe("Slack: a section's text (3,000 UTF-16 units)", () => {
  const s = section(diffOf(lines(60)));
  const full = slackDiff(s, Number.POSITIVE_INFINITY);

  it("exactly at the boundary shows everything; one unit less drops lines and links to the whole diff", () => {
    expect(full).not.toContain("more changed lines");
    expect(slackDiff(s, full.length)).toBe(full);
    const less = slackDiff(s, full.length - 1);
    expect(less.length).toBeLessThanOrEqual(full.length - 1);
    expect(less).toMatch(
      /_\d+ more changed lines_ — <https:\/\/chatops\.example\.com\/approvals\/abc#diff\|see the whole diff>$/,
    );
    for (let room = 120; room < full.length; room += 37) {
      const out = slackDiff(s, room);
      expect(out.length).toBeLessThanOrEqual(room);
      expect(out.match(/```/g)?.length ?? 0).toBeOneOf([0, 2]);
    }
  });

  it("code with ```, <!channel> and mentions stays inside one block and mentions no one", () => {
    const out = slackDiff(section(diffOf(HOSTILE)), SLACK_LIMITS.sectionText);
    expect(out.match(/```/g)).toHaveLength(2);
    expect(out).not.toMatch(/<!|<@|<#|<script/);
    expect(out).toContain("&lt;!channel&gt;");
  });

  it("a 2,000-line change in a whole card: every block within Block Kit's limits", () => {
    const m = { ...emptyMessage("approval:commit-file", "en"), title: "t", sections: [section(diffOf(lines(2000)))] };
    const p = renderSlack(m);
    expect(blockKitProblem(p.blocks)).toBeUndefined();
    const text = (p.blocks[1] as unknown as { text: { text: string } }).text.text;
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    expect(text).toContain("more changed lines");
  });
});

describe("Lark: a markdown element, in bytes of the request body", () => {
  const s = section(diffOf(lines(60, (i) => `SELECT "列${i}" AS n FROM t_${i};`)));
  const full = larkDiff(s, Number.POSITIVE_INFINITY);

  it("exactly at the boundary shows everything; one byte less drops lines and links to the whole diff", () => {
    expect(larkDiff(s, wire(full))).toBe(full);
    const less = larkDiff(s, wire(full) - 1);
    expect(wire(less)).toBeLessThanOrEqual(wire(full) - 1);
    expect(less).toMatch(
      /\d+ more changed lines — \[see the whole diff\]\(https:\/\/chatops\.example\.com\/approvals\/abc#diff\)$/,
    );
  });

  it("code with ``` and <at id=all> cannot close the fence or mention anyone", () => {
    const out = larkDiff(section(diffOf(HOSTILE)), LARK_LIMITS.diffBytes);
    expect(out.match(/```/g)).toHaveLength(2);
    expect(out).not.toMatch(/<at|<script/);
  });

  it("a 2,000-line change keeps the card within 30 KB", () => {
    const m = { ...emptyMessage("approval:commit-file", "en"), title: "t", sections: [section(diffOf(lines(2000)))] };
    const card = renderLark(m).card;
    expect(cardBytes(card)).toBeLessThanOrEqual(LARK_LIMITS.cardBytes);
    expect(JSON.stringify(card)).toContain("more changed lines");
  });
});

describe("DingTalk: quoted lines (no code blocks in its markdown), in UTF-8 bytes", () => {
  const s = section(diffOf(lines(60, (i) => `SELECT '列${i}' AS n FROM t_${i};`)));
  const full = dingtalkDiff(s, Number.POSITIVE_INFINITY);
  const bytes = (x: string) => Buffer.byteLength(x);

  it("exactly at the boundary shows everything; one byte less drops lines and links to the whole diff", () => {
    expect(dingtalkDiff(s, bytes(full))).toBe(full);
    const less = dingtalkDiff(s, bytes(full) - 1);
    expect(bytes(less)).toBeLessThanOrEqual(bytes(full) - 1);
    expect(less).toMatch(
      /\d+ more changed lines — \[see the whole diff\]\(https:\/\/chatops\.example\.com\/approvals\/abc#diff\)$/,
    );
  });

  it("code is defused: no @, no tags, no backticks, no headings; + and - marks cannot start a list", () => {
    const out = dingtalkDiff(section(diffOf(HOSTILE)), 3500);
    const body = out.split("\n\n").slice(1);
    for (const l of body) {
      expect(l).toMatch(/^> /);
      expect(l).not.toMatch(/[@<`[]|^> [-+#]/);
    }
  });

  it("a 2,000-line change keeps the markdown within the robot's limit", () => {
    const m = { ...emptyMessage("approval:commit-file", "en"), title: "t", sections: [section(diffOf(lines(2000)))] };
    const text = renderDingTalk(m).text;
    expect(bytes(text)).toBeLessThan(20_000);
    expect(text).toContain("more changed lines");
  });
});
