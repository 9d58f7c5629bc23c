import { describe, expect, it } from "vitest";
import { clip, codeBlock, linkLabel, mrkdwn, plainLine, safeUrl } from "../../../../adapters/slack/escape.js";
import { renderSlack, SLACK_LIMITS } from "../../../../adapters/slack/render.js";
import { emptyMessage, type Message } from "../../../../src/core/message.js";
import { blockKitProblem } from "../../../fakes/slack-api.js";

function message(patch: Partial<Message>): Message {
  return { ...emptyMessage("test", "en"), title: "Title", ...patch };
}

describe("Slack escaping", () => {
  it("escapes only & < >, so mentions and links in values stay text", () => {
    expect(mrkdwn("<!channel> & <@U1> <https://x|y>")).toBe("&lt;!channel&gt; &amp; &lt;@U1&gt; &lt;https://x|y&gt;");
  });
  it("clips by UTF-16 length without splitting a surrogate pair or an entity", () => {
    expect(clip("😀😀😀", 4)).toBe("😀…");
    expect(clip("ab&amp;cd", 5)).toBe("ab…");
    expect(clip("short", 10)).toBe("short");
  });
  it("keeps code fences closed however long or hostile the code is", () => {
    const out = codeBlock("```\n<!here>".repeat(1000), 300);
    expect(out.length).toBeLessThanOrEqual(300);
    expect(out.startsWith("```") && out.endsWith("```")).toBe(true);
    expect(out.match(/```/g)).toHaveLength(2);
    expect(out).not.toContain("<!here>");
  });
  it("link labels cannot end early and only plain http(s) URLs pass", () => {
    expect(linkLabel("a|b>c")).toBe("a¦b&gt;c");
    expect(safeUrl("https://dataworks.data.aliyun.com/cn-shanghai/ide?a=1&b=2")).toBe(
      "https://dataworks.data.aliyun.com/cn-shanghai/ide?a=1&amp;b=2",
    );
    for (const bad of ["javascript:alert(1)", "https://x|evil", "https://x y", "https://x>", "ftp://x"])
      expect(safeUrl(bad), bad).toBeUndefined();
  });
  it("plain text is one line", () => {
    expect(plainLine("a\n\n b\r\nc", 100)).toBe("a b c");
  });
});

describe("renderSlack limits (the fake Slack's Block Kit checks)", () => {
  it("a header of 200 emoji fits 150 UTF-16 units", () => {
    const p = renderSlack(message({ title: "🇨🇳".repeat(200) }));
    const header = (p.blocks[0]!.text as { text: string }).text;
    expect(header.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    expect(blockKitProblem(p.blocks)).toBeUndefined();
  });
  it("splits 25 fields into sections of at most 10 and keeps the whole message under the size budget", () => {
    const fields = Array.from({ length: 25 }, (_, i) => ({ label: `F${i}`, value: "<v>".repeat(2000) }));
    const sections = Array.from({ length: 8 }, () => ({ text: "x".repeat(5000), style: "plain" as const }));
    const p = renderSlack(message({ fields, sections, context: Array.from({ length: 20 }, () => "c") }));
    expect(blockKitProblem(p.blocks)).toBeUndefined();
    const size = p.blocks.reduce((n, b) => n + JSON.stringify(b).length, 0);
    expect(size).toBeLessThan(SLACK_LIMITS.totalText + 4000);
    const ctx = p.blocks.find((b) => b.type === "context") as unknown as { elements: unknown[] };
    expect(ctx.elements).toHaveLength(SLACK_LIMITS.contextElements);
  });
  it("only well-formed mention ids become mentions; bad ones are dropped", () => {
    const p = renderSlack(
      message({ mentions: [{ userId: "U0ALICE" }, { userId: "S0OPS" }, { userId: "<!channel>" }, { userId: "here" }] }),
    );
    expect((p.blocks[1]!.text as { text: string }).text).toBe("<@U0ALICE> <!subteam^S0OPS>");
  });
  it("drops unsafe links and escapes labels", () => {
    const p = renderSlack(
      message({
        links: [
          { label: "ok <b>|x", url: "https://dataworks.data.aliyun.com/cn-shanghai/sc?defaultProjectId=1" },
          { label: "evil", url: "https://evil.example/x|<!channel>" },
        ],
      }),
    );
    const text = JSON.stringify(p.blocks);
    expect(text).toContain("<https://dataworks.data.aliyun.com/cn-shanghai/sc?defaultProjectId=1|ok &lt;b&gt;¦x>");
    expect(text).not.toContain("evil");
  });
  it("the fallback text is escaped, one line and within 3000", () => {
    const p = renderSlack(message({ title: `<!channel>\n${"長".repeat(5000)}` }));
    expect(p.text.startsWith("&lt;!channel&gt; 長")).toBe(true);
    expect(p.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  });
});
