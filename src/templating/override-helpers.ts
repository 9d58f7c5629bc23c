import { type AstNode, lineOf, walkAst } from "./ast.js";
/**
 * Helpers for platform override templates (`<eventCode>.<platform>.hbs`, Handlebars that renders JSON).
 *
 * An override is compiled without HTML escaping, so a bare `{{data.fileName}}` could close a JSON string
 * and add keys, or post `<!channel>`. The engine therefore refuses, at start-up, any `{{…}}` in an
 * override that is not one of these helpers (checkOverrideSafety), and each helper's output is safe:
 *  - `{{json v}}` emits a complete JSON literal (quotes included): use it outside quotes.
 *  - `{{text v}}`, `{{mrkdwn v}}`, `{{larkMd v}}`, `{{dingMd v}}` emit the inside of a JSON string: use them
 *    inside quotes. JSON's structural characters are written as \u escapes, which mean the same inside a
 *    string but are invalid outside one, so a misplaced helper fails to parse (and the safe fallback
 *    message is sent) instead of changing the payload's structure.
 */
import type Handlebars from "handlebars";

type HB = typeof Handlebars;

export const OVERRIDE_SAFE_HELPERS = new Set(["json", "text", "mrkdwn", "larkMd", "dingMd"]);

const STRUCTURAL = /[{}[\],:]/g;

/** The inside of a JSON string literal for any value; structural characters \u-escaped (see above). */
export function jsonStringBody(v: unknown): string {
  const s = v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);
  return JSON.stringify(s)
    .slice(1, -1)
    .replace(STRUCTURAL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Slack mrkdwn: & < > are the only control characters (docs.slack.dev/messaging/formatting-message-text#escaping). */
export function escapeSlackMrkdwn(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Lark card markdown accepts HTML entities for characters it would otherwise parse: escaping < > stops
 * <at id=all></at> and <font>/<a> tags, and [ ] stops [label](url) links (open.feishu.cn card markdown docs).
 */
export function escapeLarkMd(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\[/g, "&#91;")
    .replace(/\]/g, "&#93;");
}

/**
 * DingTalk robot markdown has no escape syntax (chat-platforms notes §4.5), so characters that start links,
 * images, HTML, headings, quotes and code are replaced by their full-width look-alikes. `_` is kept: table
 * names are full of it and DingTalk does not italicise inside words.
 */
export function escapeDingMd(s: string): string {
  const map: Record<string, string> = { "[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊", "#": "＃", "`": "ˋ" };
  return s.replace(/[[\]<>*#`]/g, (c) => map[c] ?? c);
}

const str = (v: unknown) =>
  v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);

export function registerOverrideHelpers(hb: HB): void {
  /** {{json v}}: a complete JSON literal (string, number, object …), written outside quotes. */
  hb.registerHelper("json", (v: unknown) => JSON.stringify(v ?? null));
  /** "{{text v}}": plain text inside a JSON string (Slack plain_text, Lark plain_text, titles). */
  hb.registerHelper("text", (v: unknown) => jsonStringBody(v));
  /** "{{mrkdwn v}}": inside a Slack mrkdwn text object; mentions and links in v stay literal. */
  hb.registerHelper("mrkdwn", (v: unknown) => jsonStringBody(escapeSlackMrkdwn(str(v))));
  /** "{{larkMd v}}": inside a Lark card markdown element. */
  hb.registerHelper("larkMd", (v: unknown) => jsonStringBody(escapeLarkMd(str(v))));
  /** "{{dingMd v}}": inside DingTalk markdown text. */
  hb.registerHelper("dingMd", (v: unknown) => jsonStringBody(escapeDingMd(str(v))));
}

const CONTROL_BLOCKS = new Set(["if", "unless", "each", "with"]);

/** Output statements in an override that do not go through a safe helper, with their line. */
export function checkOverrideSafety(ast: unknown): Array<{ line: number; problem: string }> {
  const found: Array<{ line: number; problem: string }> = [];
  const visit = (n: AstNode): "skip" | undefined => {
    if (n.type === "MustacheStatement") {
      const name = n.path?.type === "PathExpression" ? String(n.path.original) : "";
      if (!OVERRIDE_SAFE_HELPERS.has(name) || !n.params?.length)
        found.push({
          line: lineOf(n),
          problem: `{{${name || "…"}}} writes a raw value into JSON; use {{json x}} outside quotes or "{{text x}}" / "{{mrkdwn x}}" / "{{larkMd x}}" / "{{dingMd x}}" inside them`,
        });
      return "skip";
    }
    if (n.type === "BlockStatement") {
      // if/unless/each/with output only their (checked) contents; any other helper used as a block writes its
      // own return value, raw: {{#default data.fileName}}{{/default}} would inject.
      const name = n.path?.type === "PathExpression" ? String(n.path.original) : "";
      if (!CONTROL_BLOCKS.has(name))
        found.push({
          line: lineOf(n),
          problem: `{{#${name || "…"}}} used as a block writes its value raw into JSON; only #if, #unless, #each and #with may open a block`,
        });
      return undefined;
    }
    if (n.type === "PartialStatement" || n.type === "PartialBlockStatement" || n.type === "DecoratorBlock")
      found.push({
        line: lineOf(n),
        problem: "partials are not allowed in platform overrides (their output is not escaped)",
      });
    return undefined;
  };
  walkAst(ast, visit, new Set(["params", "hash"]));
  return found;
}
