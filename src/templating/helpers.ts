import type { HelperOptions } from "handlebars";
import type Handlebars from "handlebars";
import { truncate } from "../core/text.js";
import { consoleLink, isConsoleLinkKind } from "./console-links.js";
import { parseDuration } from "../config/duration.js";
import { formatBytes, formatDate, formatDuration, formatNumber, formatTime, toDate } from "./format.js";
import { type Messages, translate } from "./i18n.js";
import { registerOverrideHelpers } from "./override-helpers.js";
import { formatList, fromJson, redactSecrets, toList } from "./values.js";

type HB = typeof Handlebars;

/** The render context's root, as helpers see it (see TemplateEngine.context). */
export interface Root {
  locale: string;
  timeZone: string;
  event: { regionId?: string };
  regionId?: string;
  consoleUrl: string;
}

/** Helpers are documented in docs/templates.md; keep the two in step (a test checks every name is there). */
export const HELPER_NAMES = [
  "t",
  "enum",
  "time",
  "date",
  "duration",
  "since",
  "truncate",
  "join",
  "list",
  "ids",
  "count",
  "first",
  "pluck",
  "fromJson",
  "json",
  "default",
  "eq",
  "ne",
  "gt",
  "lt",
  "and",
  "or",
  "not",
  "consoleUrl",
  "upper",
  "lower",
  "bytes",
  "number",
  "yesno",
  "concat",
  "redact",
  "text",
  "mrkdwn",
  "larkMd",
  "dingMd",
] as const;

const empty = (x: unknown) => x === undefined || x === null || x === "";
/** Milliseconds, or a duration as DataWorks writes one ("7s", "1m20s": timeConsuming); NaN for anything else. */
const toMs = (v: unknown) => (typeof v === "string" && /[a-z]/i.test(v) ? (parseDuration(v) ?? Number.NaN) : Number(v));
const same = (a: unknown, b: unknown) => a === b || (!empty(a) && !empty(b) && String(a) === String(b));

/**
 * `root`: the render under way (TemplateEngine's, not Handlebars' `@root`: a template compiled with `data: false`
 * has no data frames).
 */
export function registerHelpers(hb: HB, messages: Messages, root: () => Root): void {
  const args = (a: unknown[]) => a.slice(0, -1);
  const tr = (key: string, params?: Record<string, unknown>) => translate(messages, root().locale, key, params);

  /** {{t "key" name=value}}: translated text in the destination's locale. */
  hb.registerHelper("t", (key: unknown, options: HelperOptions) => tr(String(key), options.hash));
  /** {{enum "instanceStatus" data.status}}: an enum value in words; unknown values show as "unknown (7)". */
  hb.registerHelper("enum", (name: unknown, value: unknown, options: HelperOptions) => {
    if (empty(value)) return "";
    const key = `enum.${String(name)}.${String(value)}`;
    const word = tr(key);
    if (word !== key) return word;
    // raw=true: a value the locale files do not list is shown as DataWorks sent it, not as "unknown (…)".
    return options.hash?.raw ? String(value) : tr("enum.unknown", { value: String(value) });
  });
  /** {{time data.finishTime}}: in the configured time zone, with the offset. */
  hb.registerHelper("time", (v: unknown) => formatTime(v, root().timeZone));
  /** {{date data.bizDate}}: a business date, "2025-06-17". */
  hb.registerHelper("date", (v: unknown) => formatDate(v));
  /** {{duration from to}}: the span between two times, e.g. "15m 25s". */
  hb.registerHelper("duration", (from: unknown, to: unknown) => {
    const a = toDate(from);
    const b = toDate(to);
    return a && b ? formatDuration(b.getTime() - a.getTime(), root().locale) : "";
  });
  /** {{since ms}}: a number of milliseconds as a duration. */
  hb.registerHelper("since", (ms: unknown) => (empty(ms) ? "" : formatDuration(toMs(ms), root().locale)));
  /** {{truncate value 200}}: at most N characters (never splitting a character), marked with "…". */
  hb.registerHelper("truncate", (v: unknown, max: unknown) =>
    empty(v) ? "" : truncate(typeof v === "object" ? JSON.stringify(v) : String(v), Number(max) || 200),
  );
  /** {{join list ", "}} */
  hb.registerHelper("join", (list: unknown, sep: unknown) =>
    Array.isArray(list) ? list.map(String).join(typeof sep === "string" ? sep : ", ") : (list ?? ""),
  );
  /** {{list data.nodeIds 5}}: an array or comma-separated string, at most N items, then "and 3 more". */
  hb.registerHelper("list", (v: unknown, ...rest: unknown[]) => {
    const max = Number(args(rest)[0] ?? 10);
    return formatList(toList(v), max, tr("list.separator"), (n) => tr("list.more", { count: n }));
  });
  /** {{#each (ids data.taskIds)}}: an array or comma-separated string as an array of strings. */
  hb.registerHelper("ids", (v: unknown) => toList(v));
  /** {{count data.taskIds}}: how many items an array or comma-separated string holds. */
  hb.registerHelper("count", (v: unknown) => toList(v).length);
  /** {{first data.taskIds}}: the first item of an array or comma-separated string. */
  hb.registerHelper("first", (v: unknown) => toList(v)[0] ?? "");
  /** {{list (pluck data.rules "name") 3}}: one property of every object in a list. */
  hb.registerHelper("pluck", (v: unknown, key: unknown) =>
    Array.isArray(v)
      ? v.flatMap((x) =>
          x && typeof x === "object" && !empty((x as Record<string, unknown>)[String(key)])
            ? [(x as Record<string, unknown>)[String(key)]]
            : [],
        )
      : [],
  );
  /** {{#with (fromJson data.runtimeConf)}}: a field DataWorks sends as a JSON string, parsed. */
  hb.registerHelper("fromJson", (v: unknown) => fromJson(v));
  /** {{default a b c}}: the first non-empty value. */
  hb.registerHelper("default", (...a: unknown[]) => args(a).find((x) => !empty(x)) ?? "");
  hb.registerHelper("eq", (a: unknown, b: unknown) => same(a, b));
  hb.registerHelper("ne", (a: unknown, b: unknown) => !same(a, b));
  hb.registerHelper("gt", (a: unknown, b: unknown) => Number(a) > Number(b));
  hb.registerHelper("lt", (a: unknown, b: unknown) => Number(a) < Number(b));
  hb.registerHelper("and", (...a: unknown[]) => args(a).every(Boolean));
  hb.registerHelper("or", (...a: unknown[]) => args(a).find(Boolean) ?? false);
  hb.registerHelper("not", (v: unknown) => !v);
  /** {{concat "node " data.nodeId}}: join values into one string. */
  hb.registerHelper("concat", (...a: unknown[]) =>
    args(a)
      .map((x) => (empty(x) ? "" : String(x)))
      .join(""),
  );
  /** {{redact receiver}}: a webhook URL with its token masked ("…access_token=***"). */
  hb.registerHelper("redact", (v: unknown) => (Array.isArray(v) ? v.map(redactSecrets).join(", ") : redactSecrets(v)));
  hb.registerHelper("upper", (v: unknown) => String(v ?? "").toUpperCase());
  hb.registerHelper("lower", (v: unknown) => String(v ?? "").toLowerCase());
  /** {{bytes data.fileSize}}: 10241024 → "9.8 MB". */
  hb.registerHelper("bytes", (v: unknown) => formatBytes(v));
  /** {{number data.dataRowSize}}: 123456 → "123,456". */
  hb.registerHelper("number", (v: unknown) => formatNumber(v));
  /** {{yesno data.forceRun}}: a boolean in words ("Yes"/"是"); "" when absent. */
  hb.registerHelper("yesno", (v: unknown) => {
    if (empty(v)) return "";
    const yes = v === true || v === "true" || v === 1 || v === "1";
    return tr(yes ? "bool.yes" : "bool.no");
  });
  /**
   * {{consoleUrl "operation" data.projectId}}: the module's page in the DataWorks console of the event's
   * region (see console-links.ts); "" when the region is unknown, so the link is left out.
   */
  hb.registerHelper("consoleUrl", (...a: unknown[]) => {
    const r = root();
    const [kind, projectId] = args(a);
    if (!isConsoleLinkKind(kind)) throw new Error(`consoleUrl: unknown console page "${String(kind)}"`);
    return consoleLink(r.consoleUrl, r.event.regionId ?? r.regionId, kind, projectId);
  });
  registerOverrideHelpers(hb);
}
