/**
 * DingTalk markdown has NO escape syntax (neither backslashes nor HTML entities are documented; "消息类型及数据格式",
 * open.dingtalk.com/document/orgapp/custom-robot-access). So untrusted text cannot be escaped, only defused:
 * a character that can start markup is replaced by its full-width look-alike (＊ ＜ ［ ］ ＠ …).
 *
 * Only the characters that can actually form markup in their position are replaced, so that table names
 * (ods_order_detail_di), sizes (9.8 MB) and times (10:15 (UTC+08:00)) stay copyable as they are: intra-word
 * underscores are not emphasis, parentheses cannot form a link once brackets are defused, and list, heading
 * and quote markers only count at the start of a line.
 */
const ALWAYS: Record<string, string> = { "*": "＊", "<": "＜", "[": "［", "]": "］", "`": "｀", "@": "＠" };
const ALWAYS_RE = /[*<[\]`@]/g;

/** Plain text → DingTalk markdown showing (almost) the same characters, with no markup and no @mention. */
export function neutralise(text: string): string {
  return (
    text
      // A ">" closing a "<" goes full-width with it, so "<event id>" reads ＜event id＞, not ＜event id>.
      .replace(/<([^<>\n]*)>/g, "＜$1＞")
      .replace(ALWAYS_RE, (c) => ALWAYS[c] ?? c)
      // Emphasis needs an underscore at a word boundary; snake_case identifiers are left intact.
      .replace(/(^|[^\p{L}\p{N}])_|_(?=$|[^\p{L}\p{N}])/gmu, (m) => m.replace("_", "＿"))
      .replace(/~~/g, "～～")
      // Line-start headings, quotes, list markers and "1. " would become blocks.
      .replace(/^(\s*)([#>])/gm, (_m, sp: string, c: string) => `${sp}${c === "#" ? "＃" : "＞"}`)
      .replace(/^(\s*)([-+])(?=\s)/gm, (_m, sp: string, c: string) => `${sp}${c === "-" ? "－" : "＋"}`)
      .replace(/^(\s*\d+)\.(?=\s)/gm, "$1．")
      // "http://…" is auto-linked by the client; a full-width colon keeps it as text.
      .replace(/:\/\//g, "：//")
  );
}

/** One line: a newline inside a field would start a new block. */
export function neutraliseInline(text: string): string {
  return neutralise(text.replace(/\s*[\r\n]+\s*/g, " "));
}

/** Only http(s) URLs that cannot break out of the (url) part of a link. */
export function safeUrl(url: string): string | undefined {
  const u = url.trim();
  if (!/^https?:\/\/[^\s<>"'`]+$/.test(u)) return undefined;
  return u.replace(/\(/g, "%28").replace(/\)/g, "%29");
}

/** DingTalk user ids (staffId / userId) are alphanumeric with - and _; anything else is not mentioned. */
export const isUserId = (id: string) => /^[A-Za-z0-9_-]{1,64}$/.test(id);
