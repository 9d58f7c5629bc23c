import type { z } from "zod";

/**
 * Every key path of a zod schema, in schema order: `server.port`, `routes[].match`,
 * `destinations.<name>.channel`. Objects are walked recursively, through defaults, optionals, pipes
 * (transforms), arrays, records and unions (the keys of every option, once). A record's key is written
 * `<name>`; the docs may use any `<placeholder>` there.
 */
export interface KeyPath {
  path: string;
  /** The leaf's default when the schema declares one (the value before any transform). */
  default?: { value: unknown };
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  shape?: Record<string, z.ZodType>;
  defaultValue?: unknown;
}

const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strip wrappers that do not change the shape: default, optional, nullable, readonly, pipe (its input side). */
function unwrap(s: z.ZodType): { inner: z.ZodType; default?: { value: unknown } } {
  let cur = s;
  let dflt: { value: unknown } | undefined;
  for (;;) {
    const d = defOf(cur);
    if (d.type === "default" || d.type === "prefault") {
      dflt ??= { value: d.defaultValue };
      cur = d.innerType as z.ZodType;
    } else if (d.type === "optional" || d.type === "nullable" || d.type === "readonly") cur = d.innerType as z.ZodType;
    else if (d.type === "pipe") cur = d.in as z.ZodType;
    else return { inner: cur, default: dflt };
  }
}

export function keyPaths(schema: z.ZodType, prefix = ""): KeyPath[] {
  const out: KeyPath[] = [];
  const seen = new Set<string>();
  const add = (k: KeyPath) => {
    if (!seen.has(k.path)) {
      seen.add(k.path);
      out.push(k);
    }
  };
  walkChildren(schema, prefix, add);
  return out;
}

function walkChildren(schema: z.ZodType, prefix: string, add: (k: KeyPath) => void): void {
  const { inner } = unwrap(schema);
  const d = defOf(inner);
  if (d.type === "object") {
    for (const [key, child] of Object.entries((inner as unknown as { shape: Record<string, z.ZodType> }).shape)) {
      const path = prefix ? `${prefix}.${key}` : key;
      add({ path, default: unwrap(child).default });
      walkChildren(child, path, add);
    }
  } else if (d.type === "array") walkChildren(d.element as z.ZodType, `${prefix}[]`, add);
  else if (d.type === "record") walkChildren(d.valueType as z.ZodType, `${prefix}.<name>`, add);
  else if (d.type === "union") for (const o of d.options ?? []) walkChildren(o, prefix, add);
}

/** The default as the docs write it: YAML flow style for scalars and arrays of scalars; undefined for objects. */
export function formatDefault(v: unknown): string | undefined {
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === "string" || typeof x === "number"))
    return `[${v.map(String).join(", ")}]`;
  if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) return "{}";
  return undefined;
}
