/** Normalising DataWorks' payload quirks for templates: id lists in three shapes, JSON inside strings. */

/** An id list as an array, whether it came as an array, a comma-separated string ("1,2,3") or one value. */
export function toList(v: unknown): string[] {
  if (v === undefined || v === null || v === "") return [];
  if (Array.isArray(v)) return v.filter((x) => x !== undefined && x !== null && x !== "").map((x) => scalar(x));
  if (typeof v === "string")
    return v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  return [scalar(v)];
}

function scalar(x: unknown): string {
  return typeof x === "object" ? JSON.stringify(x) : String(x);
}

/** A field that DataWorks sends as a JSON string (multipleTimePeriods, runtimeConf, extension): parsed, or undefined. */
export function fromJson(v: unknown): unknown {
  if (typeof v !== "string") return v ?? undefined;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** "a, b, c" with at most `max` items; `more(n)` words the rest ("and 2 more"). */
export function formatList(items: readonly string[], max: number, sep: string, more: (n: number) => string): string {
  const cap = Number.isFinite(max) && max > 0 ? Math.floor(max) : 10;
  const shown = items.slice(0, cap).join(sep);
  return items.length > cap ? `${shown}${sep}${more(items.length - cap)}` : shown;
}

const SECRET_PARAMS = /([?&](?:access_token|token|sign|signature|secret|key|accesskeysecret)=)[^&#\s]+/gi;
const HOOK_PATHS = /(\/open-apis\/bot\/v2\/hook\/|\/robot\/send\/|\/services\/)[^\s?#]+/gi;

/**
 * Mask credentials inside webhook URLs (DingTalk access_token, Lark/Feishu hook ids, Slack services paths,
 * WeChat Work keys) that DataWorks payloads carry as notification receivers: a chat message must not leak them.
 */
export function redactSecrets(v: unknown): string {
  if (v === undefined || v === null) return "";
  return String(v).replace(SECRET_PARAMS, "$1***").replace(HOOK_PATHS, "$1***");
}
