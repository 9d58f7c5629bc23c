import type { z } from "zod";

/**
 * Schema problems in words a user understands, by key path. Given to zod as the per-parse error map, so it
 * only words the issues a schema left without a message of its own. Never quotes a value (it may be a secret).
 */
export function issueWords(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return "is required";
      if (iss.expected === "int" && typeof iss.input === "number") return "must be a whole number";
      return `must be ${kind(String(iss.expected))}, not ${kind(typeOf(iss.input))}`;
    case "too_small":
    case "too_big": {
      const small = iss.code === "too_small";
      const n = Number(small ? iss.minimum : iss.maximum);
      const exact = iss.inclusive !== false;
      if (iss.origin === "string")
        return small && n === 1 ? "must not be empty" : `must be ${small ? "at least" : "at most"} ${n} characters`;
      if (iss.origin === "array" || iss.origin === "set")
        return small && n === 1
          ? "must list at least one"
          : `must list ${small ? "at least" : "at most"} ${n} item${n === 1 ? "" : "s"}`;
      if (iss.origin === "number" || iss.origin === "int" || iss.origin === "bigint")
        return small
          ? `must be ${exact ? "at least" : "more than"} ${n}`
          : `must be ${exact ? "at most" : "less than"} ${n}`;
      return undefined;
    }
    case "invalid_value":
      return iss.values.length === 1
        ? `must be ${JSON.stringify(iss.values[0])}`
        : `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_union": {
      const discriminator = (iss as { discriminator?: string; options?: unknown[] }).discriminator;
      const options = (iss as { options?: unknown[] }).options;
      if (discriminator && options) return `must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}`;
      return "is none of the accepted forms";
    }
    case "invalid_format":
      return `is not a valid ${iss.format}`;
    case "not_multiple_of":
      return `must be a multiple of ${iss.divisor}`;
    case "invalid_key":
      return "has a key that is not allowed here";
    case "invalid_element":
      return "has an entry that is not allowed here";
    default:
      return undefined;
  }
}

/** A key path as the docs write it: `routes[0].destinations`, `destinations.ops.channel`. */
export function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const k of path) out += typeof k === "number" ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out || "(root)";
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function kind(t: string): string {
  const words: Record<string, string> = {
    string: "text",
    number: "a number",
    int: "a whole number",
    boolean: "true or false",
    object: "a mapping (key: value)",
    array: "a list",
    null: "empty",
    undefined: "empty",
  };
  return words[t] ?? t;
}
