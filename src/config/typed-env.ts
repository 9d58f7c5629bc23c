import type { z } from "zod";

/**
 * Numbers and booleans from the environment. Interpolation works on strings, so `port: ${PORT}` becomes "8080",
 * which the schema refuses. A value that was one whole `${VAR}` (or `${VAR:-default}`) reference, where the schema
 * wants a number or a boolean, is converted here and then validated like a literal (ranges included). Nothing
 * else is converted: a quoted "8080" written in the file stays an error, and string keys keep their strings (a
 * token made of digits stays a string). Problems name the key and the variable, never the value.
 */
const WHOLE_REF = /^\s*\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}\s*$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface TypedEnvResult {
  /** The interpolated tree with the converted values, or undefined when nothing was converted. */
  value: unknown;
  /** Key paths (as zod reports them, joined with ".") that could not be converted: already in `problems`. */
  explained: Set<string>;
  problems: string[];
}

type Path = readonly PropertyKey[];

function at(node: unknown, path: Path): unknown {
  let cur = node;
  for (const k of path) cur = cur && typeof cur === "object" ? (cur as Record<PropertyKey, unknown>)[k] : undefined;
  return cur;
}

function setAt(node: unknown, path: Path, value: unknown): void {
  const parent = at(node, path.slice(0, -1));
  if (parent && typeof parent === "object")
    (parent as Record<PropertyKey, unknown>)[path.at(-1) as PropertyKey] = value;
}

function convert(text: string, expected: "number" | "boolean"): number | boolean | undefined {
  const t = text.trim();
  if (expected === "number") return NUMBER.test(t) ? Number(t) : undefined;
  if (/^true$/i.test(t)) return true;
  if (/^false$/i.test(t)) return false;
  return undefined;
}

/** `raw` is the tree before interpolation, `interpolated` after; `issues` from validating `interpolated`. */
export function typedEnvValues(
  raw: unknown,
  interpolated: unknown,
  issues: readonly z.core.$ZodIssue[],
): TypedEnvResult {
  const explained = new Set<string>();
  const problems: string[] = [];
  let value: unknown;
  for (const issue of issues) {
    if (issue.code !== "invalid_type") continue;
    const expected = issue.expected === "number" ? "number" : issue.expected === "boolean" ? "boolean" : undefined;
    if (!expected) continue;
    const ref = WHOLE_REF.exec(String(at(raw, issue.path) ?? ""));
    const text = at(interpolated, issue.path);
    if (!ref || typeof text !== "string") continue;
    const key = issue.path.map(String).join(".");
    const converted = convert(text, expected);
    if (converted === undefined) {
      explained.add(key);
      // An unset variable was already reported by the interpolation.
      if (text === "") continue;
      const want = expected === "number" ? "a number" : "true or false";
      problems.push(`${key}: environment variable ${ref[1]} must be ${want}`);
      continue;
    }
    value ??= structuredClone(interpolated);
    setAt(value, issue.path, converted);
  }
  return { value, explained, problems };
}
