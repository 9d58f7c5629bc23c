import { isIP } from "node:net";
import { isRecord } from "../core/is-record.js";

/**
 * EventBridge event patterns, with the semantics of Alibaba Cloud EventBridge so a route written here behaves
 * like the same pattern in an EventBridge rule. Sources: the doc "Event patterns"
 * (https://www.alibabacloud.com/help/en/eventbridge/user-guide/event-patterns) for the operators, and, where
 * the doc is silent, the open-source implementation Alibaba donated, apache/rocketmq-eventbridge
 * (common/.../tools/pattern: PatternEvaluatorBuilder, PatternCondition, PatternConditionBuilder):
 *
 * - Keys AND, the values of one key OR. Top-level keys are CloudEvents attributes or aliyun* extensions;
 *   only `data` nests (objects inside it nest further).
 * - Exact values compare the JSON text of scalars: [5] matches 5 and "5", [true] matches true and "true";
 *   [null] matches only null, [""] only "".
 * - A missing field matches only {"exists": false}. null counts as present (exists: true, anything-but).
 * - An array in the event matches when any element matches; an empty array, an object, or an array holding
 *   objects matches nothing (not even exists).
 * - prefix, suffix, contains and cidr apply to strings only; numeric to JSON numbers only (not "5").
 * - anything-but takes a value, a list of values, or {prefix} / {suffix}; a missing field never matches it.
 * - numeric takes [op, n] or [op, n, op, n] with op one of = != < <= > >=; equality within 1e-7.
 *   (EventBridge also refuses numbers outside ±1e9 in a pattern; the bot does not, DataWorks ids exceed it.)
 * - cidr: an IPv4 CIDR block, or one IP address compared exactly.
 * Extension, not in Alibaba's doc: equals-ignore-case (Amazon EventBridge syntax), also inside anything-but.
 * Limit: JSON numbers are compared after parsing, so 300 and 300.0 are equal here (EventBridge: different).
 */
export type CompiledPattern = (event: Record<string, unknown>) => boolean;

type Scalar = string | number | boolean;
interface Condition {
  scalar(v: Scalar): boolean;
  null(): boolean;
  /** Whether a missing field matches: only {"exists": false}. */
  missing: boolean;
}

const CLOUDEVENT_KEYS = ["id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject", "time"];

export function compilePattern(
  pattern: unknown,
): { match: CompiledPattern; error?: undefined } | { match?: undefined; error: string } {
  try {
    return { match: compileTop(pattern) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function compileTop(pattern: unknown): CompiledPattern {
  if (!isRecord(pattern)) throw new Error("a pattern must be a JSON object");
  const checks: CompiledPattern[] = [];
  for (const [key, spec] of Object.entries(pattern)) {
    if (key === "data") {
      if (!isRecord(spec)) throw new Error(`data: must be an object of data fields, e.g. {"data": {"status": [5]}}`);
      checks.push(compileObject(spec, "data", "data"));
    } else if (CLOUDEVENT_KEYS.includes(key) || key.startsWith("aliyun")) {
      checks.push(compileLeaf(key, spec, key));
    } else {
      throw new Error(
        `${key}: not an event attribute; top-level keys are CloudEvents attributes (${CLOUDEVENT_KEYS.join(", ")}), aliyun* extensions, or data`,
      );
    }
  }
  return (e) => checks.every((c) => c(e));
}

function compileObject(spec: Record<string, unknown>, key: string, path: string): CompiledPattern {
  if (Object.keys(spec).length === 0) throw new Error(`${path}: an empty object; name at least one field`);
  const checks: CompiledPattern[] = [];
  for (const [k, sub] of Object.entries(spec)) {
    const p = `${path}.${k}`;
    checks.push(isRecord(sub) ? compileObject(sub, k, p) : compileLeaf(k, sub, p));
  }
  // A field that is absent or not an object: every leaf below it is missing.
  return (e) => {
    const v = Object.hasOwn(e, key) ? e[key] : undefined;
    const inner = isRecord(v) ? v : {};
    return checks.every((c) => c(inner));
  };
}

function compileLeaf(key: string, spec: unknown, path: string): CompiledPattern {
  if (!Array.isArray(spec)) {
    throw new Error(
      `${path}: must be an array of values or matchers, e.g. ["dataworks:FileChange:CommitFile"] or [{"prefix": "dataworks:"}]`,
    );
  }
  if (spec.length === 0) throw new Error(`${path}: an empty array matches nothing; list at least one value`);
  const conds = spec.map((m, i) => compileCondition(m, `${path}[${i}]`));
  return (e) => {
    if (!Object.hasOwn(e, key)) return conds.some((c) => c.missing);
    return conds.some((c) => matchValue(c, e[key]));
  };
}

function matchValue(c: Condition, v: unknown): boolean {
  if (v === null) return c.null();
  if (isScalar(v)) return c.scalar(v);
  if (!Array.isArray(v) || v.some((x) => x !== null && !isScalar(x))) return false;
  return v.some((x) => (x === null ? c.null() : c.scalar(x as Scalar)));
}

function compileCondition(m: unknown, path: string): Condition {
  if (m === null || isScalar(m)) return equal(m);
  if (Array.isArray(m)) throw new Error(`${path}: arrays cannot nest; list the values in one array`);
  if (!isRecord(m) || Object.keys(m).length !== 1)
    throw new Error(`${path}: a matcher is an object with exactly one operator, e.g. {"prefix": "acs."}`);
  const [op, arg] = Object.entries(m)[0] as [string, unknown];
  switch (op) {
    case "prefix":
      return onString(text(arg, path, op), (v, s) => v.startsWith(s));
    case "suffix":
      return onString(text(arg, path, op), (v, s) => v.endsWith(s));
    case "contains":
      return onString(text(arg, path, op), (v, s) => v.includes(s));
    case "equals-ignore-case":
      return onString(text(arg, path, op), (v, s) => v.toLowerCase() === s.toLowerCase());
    case "exists":
      if (typeof arg !== "boolean") throw new Error(`${path}: exists takes true or false`);
      return { scalar: () => arg, null: () => arg, missing: !arg };
    case "anything-but":
      return anythingBut(arg, path);
    case "numeric":
      return numeric(arg, path);
    case "cidr":
      return cidr(arg, path);
    default:
      throw new Error(
        `${path}: unknown operator "${op}" (use prefix, suffix, contains, anything-but, numeric, exists, cidr, equals-ignore-case)`,
      );
  }
}

/** Scalars compare by their JSON text, as EventBridge does: 5 equals "5"; null equals only null. */
function equal(m: Scalar | null): Condition {
  if (m === null) return { scalar: () => false, null: () => true, missing: false };
  const want = String(m);
  return { scalar: (v) => String(v) === want, null: () => false, missing: false };
}

function text(arg: unknown, path: string, op: string): string {
  if (typeof arg !== "string" || arg === "") throw new Error(`${path}: ${op} takes a non-empty string`);
  return arg;
}

function onString(s: string, test: (v: string, s: string) => boolean): Condition {
  return { scalar: (v) => typeof v === "string" && test(v, s), null: () => false, missing: false };
}

function anythingBut(arg: unknown, path: string): Condition {
  let excluded: Condition[];
  if (arg === null || isScalar(arg)) excluded = [equal(arg)];
  else if (Array.isArray(arg)) {
    if (arg.length === 0 || arg.some((x) => x !== null && !isScalar(x)))
      throw new Error(`${path}: anything-but takes a non-empty list of plain values`);
    excluded = arg.map((x) => equal(x as Scalar | null));
  } else if (isRecord(arg) && Object.keys(arg).length === 1) {
    const op = Object.keys(arg)[0] as string;
    if (!["prefix", "suffix", "equals-ignore-case"].includes(op))
      throw new Error(`${path}: anything-but takes a value, a list of values, {"prefix": …} or {"suffix": …}`);
    excluded = [compileCondition(arg, path)];
  } else {
    throw new Error(`${path}: anything-but takes a value, a list of values, {"prefix": …} or {"suffix": …}`);
  }
  return {
    scalar: (v) => !excluded.some((c) => c.scalar(v)),
    null: () => !excluded.some((c) => c.null()),
    missing: false,
  };
}

const NUMERIC_OPS: Record<string, (a: number, b: number) => boolean> = {
  "=": (a, b) => near(a, b),
  "!=": (a, b) => !near(a, b),
  "<": (a, b) => !near(a, b) && a < b,
  "<=": (a, b) => near(a, b) || a < b,
  ">": (a, b) => !near(a, b) && a > b,
  ">=": (a, b) => near(a, b) || a > b,
};
const near = (a: number, b: number) => Math.abs(a - b) <= 1e-7;

function numeric(arg: unknown, path: string): Condition {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4))
    throw new Error(`${path}: numeric takes [op, n] or [op, n, op, n], e.g. [">", 0, "<=", 5]`);
  const conds: Array<[(a: number, b: number) => boolean, number]> = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const n = arg[i + 1];
    const f = typeof op === "string" ? NUMERIC_OPS[op] : undefined;
    if (!f) throw new Error(`${path}: numeric operator ${JSON.stringify(op)} is not one of = != < <= > >=`);
    if (typeof n !== "number" || !Number.isFinite(n))
      throw new Error(`${path}: numeric needs a number after "${String(op)}", not ${JSON.stringify(n)}`);
    conds.push([f, n]);
  }
  return {
    scalar: (v) => typeof v === "number" && conds.every(([f, n]) => f(v, n)),
    null: () => false,
    missing: false,
  };
}

function cidr(arg: unknown, path: string): Condition {
  if (typeof arg !== "string") throw new Error(`${path}: cidr takes a string like "10.0.0.0/24"`);
  const test = arg.includes("/") ? ipv4Block(arg, path) : exactIp(arg, path);
  return { scalar: (v) => typeof v === "string" && test(v), null: () => false, missing: false };
}

function ipv4Block(spec: string, path: string): (ip: string) => boolean {
  const [addr = "", bits = ""] = spec.split("/");
  const base = ipv4(addr);
  const n = /^\d{1,2}$/.test(bits) ? Number(bits) : Number.NaN;
  if (base === undefined || !(n >= 0 && n <= 32))
    throw new Error(`${path}: cidr "${spec}" is not an IPv4 CIDR block like 10.0.0.0/24 (EventBridge: IPv4 only)`);
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return (s) => {
    const ip = ipv4(s);
    return ip !== undefined && (ip & mask) >>> 0 === (base & mask) >>> 0;
  };
}

function exactIp(spec: string, path: string): (ip: string) => boolean {
  const kind = isIP(spec);
  if (kind === 0) throw new Error(`${path}: cidr "${spec}" is neither an IPv4 CIDR block nor an IP address`);
  if (kind === 4) {
    const want = ipv4(spec);
    return (s) => ipv4(s) === want;
  }
  const want = expandIpv6(spec);
  return (s) => isIP(s) === 6 && expandIpv6(s) === want;
}

function ipv4(s: string): number | undefined {
  const parts = s.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

/** Canonical form of an IPv6 address, via the URL parser (it compresses and lowercases). */
function expandIpv6(s: string): string {
  return new URL(`http://[${s}]/`).hostname;
}

function isScalar(v: unknown): v is Scalar {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}
