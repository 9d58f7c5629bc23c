import { truncate } from "../core/text.js";

/**
 * Lines that say why a DataWorks instance failed: engine errors (ODPS-0130071, FAILED:), Java/Python
 * exceptions and tracebacks, the scheduler's own "Current task status: ERROR", and Chinese messages.
 * Case-sensitive on purpose: "error_count=0" or "onError" are not failures.
 */
const FAILURE = /\bERROR\b|\bFAILED\b|\bFATAL\b|Exception\b|\w+Error:|Traceback|Caused by|失败|异常|错误|报错/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping terminal escapes and control bytes is the point
const CONTROL = /\u001b\[[0-9;]*[A-Za-z]|[\u0000-\u0008\u000b-\u001f\u007f]/g;
const MAX_LINE_CHARS = 300;

/**
 * The few lines of a run log that explain a failure: each matching line with one line before and two
 * after, merged, "…" between gaps. Past `maxLines`, keep the first block (often the root cause) and the
 * last lines (the final error). Never the whole log; undefined for an empty log.
 */
export function errorExcerpt(log: string, maxLines: number, maxChars: number): string | undefined {
  const lines = log
    .replace(CONTROL, "")
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
  if (!lines.length) return undefined;
  const keep = new Set<number>();
  lines.forEach((line, i) => {
    if (!FAILURE.test(line)) return;
    for (let j = Math.max(0, i - 1); j <= Math.min(lines.length - 1, i + 2); j++) keep.add(j);
  });
  // No recognisable error line: the end of the log is the best guess.
  let picked = keep.size ? [...keep].sort((a, b) => a - b) : lines.map((_, i) => i).slice(-Math.min(5, maxLines));
  if (picked.length > maxLines) {
    const head = Math.max(1, Math.floor(maxLines / 3));
    picked = [...picked.slice(0, head), -1, ...picked.slice(picked.length - (maxLines - head))];
  }
  const out: string[] = [];
  let prev: number | undefined;
  for (const i of picked) {
    if (i === -1 || (prev !== undefined && prev !== -1 && i > prev + 1)) out.push("…");
    if (i !== -1) out.push(truncate(lines[i] ?? "", MAX_LINE_CHARS));
    prev = i;
  }
  return truncate(out.join("\n"), maxChars);
}
