/**
 * Escaping for Lark card `markdown` elements.
 *
 * Lark markdown has no backslash escapes; its rich-text doc ("特殊字符转义",
 * open.larkoffice.com/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-components/content-components/rich-text)
 * says to write markup characters as HTML entities. So every character that can start markup — emphasis, links,
 * images, tags (<at>, <font>, <link>), headings, quotes, lists, tables, code, emoji shortcodes (:OK:) and
 * autolinks (the ':' of "http://") — becomes a numeric entity. Context-free, so no position can escape it.
 */
const ENTITY: Record<string, string> = {
  "&": "&#38;",
  "<": "&#60;",
  ">": "&#62;",
  "*": "&#42;",
  _: "&#95;",
  "~": "&#126;",
  "`": "&#96;",
  "[": "&#91;",
  "]": "&#93;",
  "(": "&#40;",
  ")": "&#41;",
  "#": "&#35;",
  "!": "&#33;",
  "|": "&#124;",
  ":": "&#58;",
  "\\": "&#92;",
  $: "&#36;",
};
const SPECIAL = /[&<>*_~`[\]()#!|:\\$]/g;

/** Plain text → Lark markdown that renders as the same text and can carry no markup. */
export function md(text: string): string {
  return (
    text
      .replace(SPECIAL, (c) => ENTITY[c] ?? c)
      // At a line start "1." and "-"/"+" make lists and "---" a rule; elsewhere they are plain.
      .replace(/^(\s*\d+)\./gm, "$1&#46;")
      .replace(/^(\s*)([-+])/gm, (_m, sp: string, c: string) => `${sp}&#${c.charCodeAt(0)};`)
  );
}

/** Inline (one line): newlines would start new blocks (headings, lists) inside a field. */
export function mdInline(text: string): string {
  return md(text.replace(/\s*[\r\n]+\s*/g, " "));
}

/**
 * Text inside a fenced code block. Entities are shown literally there, so instead: break any ``` that would
 * close the fence, and turn a tag-like "<" (as in <at id=all>) into a full-width "＜" so no tag is parsed.
 */
export function codeBlock(text: string): string {
  return "```\n" + codeText(text) + "\n```";
}

/** Text for inside a fenced code block (see codeBlock). */
export function codeText(text: string): string {
  return text.replace(/```/g, "`\u200b``").replace(/<(?=[A-Za-z/!])/g, "＜");
}

/** Only http(s) URLs with no characters that could end the (url) part of a markdown link. */
export function safeUrl(url: string): string | undefined {
  const u = url.trim();
  if (!/^https?:\/\/[^\s<>"'`]+$/.test(u)) return undefined;
  return u.replace(/\(/g, "%28").replace(/\)/g, "%29");
}

/** `<at id=…></at>` for an open_id/user_id/union_id, or @all; undefined for anything else. */
export function mention(userId: string): string | undefined {
  if (userId === "all") return "<at id=all></at>";
  return /^[A-Za-z0-9_-]{1,64}$/.test(userId) ? `<at id=${userId}></at>` : undefined;
}
