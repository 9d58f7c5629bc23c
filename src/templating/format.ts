/** Formatting used by template helpers: times in a zone with the offset, durations, safe truncation. */
import { zoneParts } from "../core/zone-parts.js";

/** DataWorks writes zone-less "yyyy-MM-dd HH:mm:ss" strings in China time (every documented sample is +08:00). */
export const DATAWORKS_LOCAL_OFFSET = "+08:00";

/**
 * Epoch s/ms (number or numeric string), ISO string (also EventBridge's "…179PRC"), or DataWorks'
 * zone-less "yyyy-MM-dd HH:mm:ss" → Date; undefined if unparseable.
 */
export function toDate(v: unknown, assumeZoneOffset = DATAWORKS_LOCAL_OFFSET): Date | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  if ((typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && /^\d{10,13}$/.test(v.trim()))) {
    const n = Number(v);
    const d = new Date(n < 1e12 ? n * 1000 : n);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  if (typeof v !== "string") return undefined;
  const s = v.trim();
  const local = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?)?$/.exec(s);
  const iso = local
    ? `${local[1]}T${local[2] ?? "00:00"}${local[3] ?? ":00"}${assumeZoneOffset}`
    : s.replace(/PRC$/, "+08:00");
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Throws a readable error for a time zone Intl does not know (checked once at start-up). */
export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat("en", { timeZone }).format(0);
  } catch {
    throw new Error(`templates.timeZone "${timeZone}" is not an IANA time zone (e.g. Asia/Shanghai, UTC)`);
  }
}

/** "2025-06-18 10:15:30 (UTC+08:00)" in the given IANA zone; unparseable input is shown as it came. */
export function formatTime(v: unknown, timeZone: string): string {
  const d = toDate(v);
  if (!d) return v === undefined || v === null ? "" : String(v);
  const p = zoneParts(d, timeZone);
  // longOffset is "GMT+08:00", or just "GMT" for UTC itself.
  const offset = String(p.timeZoneName ?? "GMT").replace(/^GMT/, "UTC");
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} (${offset === "UTC" ? "UTC+00:00" : offset})`;
}

/** "02:05": the hour and minute of a moment in the given zone (a timeline's times). */
export function formatClock(v: unknown, timeZone: string): string {
  const d = toDate(v);
  if (!d) return v === undefined || v === null ? "" : String(v);
  const p = zoneParts(d, timeZone);
  return `${p.hour}:${p.minute}`;
}

/**
 * "2025-06-18": a business date, a calendar day and not a moment, so it is never shifted to the display zone.
 * DataWorks sends it as a plain date or as the epoch of midnight in its own time (+08:00): read there, the
 * 18th stays the 18th for a team in UTC or New York.
 */
export function formatDate(v: unknown): string {
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}( 00:00:00)?$/.test(v.trim())) return v.trim().slice(0, 10);
  if (typeof v === "string" && /^\d{8}$/.test(v.trim())) return `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}`;
  const d = toDate(v);
  if (!d) return v === undefined || v === null ? "" : String(v);
  return new Date(d.getTime() + DATAWORKS_OFFSET_MS).toISOString().slice(0, 10);
}

/** DATAWORKS_LOCAL_OFFSET in milliseconds. */
const DATAWORKS_OFFSET_MS =
  Date.parse("1970-01-01T00:00:00Z") - Date.parse(`1970-01-01T00:00:00${DATAWORKS_LOCAL_OFFSET}`);

/** Milliseconds → "1h 2m 5s" / "1小时2分5秒". */
export function formatDuration(ms: number, locale: string): string {
  if (!Number.isFinite(ms) || ms < 0) return "";
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const units = locale === "zh-CN" ? ["天", "小时", "分", "秒"] : ["d ", "h ", "m ", "s"];
  const out = [
    d && `${d}${units[0]}`,
    h && `${h}${units[1]}`,
    m && `${m}${units[2]}`,
    (sec || s === 0) && `${sec}${units[3]}`,
  ]
    .filter(Boolean)
    .join("");
  return out.trim();
}

/** 10241024 → "9.8 MB"; "" for anything that is not a non-negative number. */
export function formatBytes(v: unknown): string {
  if (v === "" || v === null || v === undefined || typeof v === "boolean") return "";
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) return "";
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${i === 0 ? x : x.toFixed(1)} ${units[i]}`;
}

/** 123456 → "123,456" (both locales group by thousands); non-numbers are shown as they came. */
export function formatNumber(v: unknown): string {
  if (v === "" || v === null || v === undefined) return "";
  const n = Number(v);
  return Number.isFinite(n) && /^-?\d+(\.\d+)?$/.test(String(v).trim()) ? n.toLocaleString("en-US") : String(v);
}

export { truncate, truncateBytes } from "../core/text.js";
