import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/** One template string with where it came from, for start-up errors that name file and line. */
export interface SourceString {
  source: string;
  file: string;
  line: number;
}

/** A template file: YAML whose string leaves are Handlebars. */
export interface TemplateSource {
  name: string;
  file: string;
  /** Same shape as the YAML, with strings replaced by SourceString; `extends` already resolved. */
  tree: unknown;
}

export interface TemplateSet {
  /** eventCode, "_default" or a base ("_file-change") → neutral template. */
  neutral: Map<string, TemplateSource>;
  /** "eventCode.platform" → platform override source (Handlebars producing JSON). */
  overrides: Map<string, { source: string; file: string }>;
  /** Partial name ("_fields" without extension) → source. */
  partials: Map<string, { source: string; file: string }>;
}

/** In a child's list, this item stands for the base's items (webpack's `'...'` convention for "the defaults"). */
export const SPLICE_BASE = "...";
const MAX_EXTENDS_DEPTH = 10;

/**
 * Read built-in templates, then the user's directory; a user file replaces the built-in of the same name.
 * Layout: <eventCode>.yaml (neutral), _<base>.yaml (bases for `extends:`), <eventCode>.<platform>.hbs
 * (override), partials/_name.hbs.
 */
export function loadTemplateSources(dirs: readonly string[]): TemplateSet {
  const set: TemplateSet = { neutral: new Map(), overrides: new Map(), partials: new Map() };
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new Error(`templates directory not found: ${dir}`);
    for (const f of readdirSync(dir).sort()) {
      const file = join(dir, f);
      if (f.endsWith(".yaml") || f.endsWith(".yml")) {
        const name = basename(f).replace(/\.ya?ml$/, "");
        set.neutral.set(name, { name, file, tree: readTree(file) });
      } else if (/^[^.]+\.(slack|lark|dingtalk)\.hbs$/.test(f)) {
        set.overrides.set(f.replace(/\.hbs$/, ""), { source: readFileSync(file, "utf8"), file });
      }
    }
    const partialDir = join(dir, "partials");
    if (existsSync(partialDir)) {
      for (const f of readdirSync(partialDir)) {
        if (f.endsWith(".hbs"))
          set.partials.set(f.replace(/\.hbs$/, ""), {
            source: readFileSync(join(partialDir, f), "utf8"),
            file: join(partialDir, f),
          });
      }
    }
  }
  const resolved = new Map<string, TemplateSource>();
  for (const [name, t] of set.neutral) resolved.set(name, { ...t, tree: resolveExtends(t, set.neutral, []) });
  set.neutral = resolved;
  return set;
}

/**
 * `extends: _base` merges the base under the child: maps merge key by key (the child wins, `null` removes
 * a key), a child list replaces the base's list unless it contains "...", which stands for the base's items.
 */
function resolveExtends(t: TemplateSource, all: ReadonlyMap<string, TemplateSource>, seen: string[]): unknown {
  const tree = t.tree;
  if (!isRecord(tree) || !("extends" in tree)) return tree;
  const { extends: ref, ...own } = tree;
  const baseName = isSource(ref) ? ref.source.trim() : "";
  const where = isSource(ref) ? `${t.file}:${ref.line}` : t.file;
  if (!baseName) throw new Error(`${where}: template error: "extends" must name a template, e.g. extends: _base`);
  const base = all.get(baseName);
  if (!base) throw new Error(`${where}: template error: extends unknown template "${baseName}"`);
  if (seen.includes(baseName) || seen.length > MAX_EXTENDS_DEPTH)
    throw new Error(`${where}: template error: extends cycle ${[...seen, t.name, baseName].join(" → ")}`);
  return merge(resolveExtends(base, all, [...seen, t.name]), own);
}

function merge(base: unknown, child: unknown): unknown {
  if (Array.isArray(child)) {
    const at = child.findIndex((c) => isSource(c) && c.source === SPLICE_BASE);
    if (at < 0) return child;
    const inherited = Array.isArray(base) ? base : [];
    return [...child.slice(0, at), ...inherited, ...child.slice(at + 1)];
  }
  if (isRecord(child) && !isSource(child) && isRecord(base) && !isSource(base)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(child)) {
      if (v === null) delete out[k];
      else out[k] = merge(base[k], v);
    }
    return out;
  }
  return child === undefined ? base : child;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isSource(v: unknown): v is SourceString {
  return isRecord(v) && typeof v.source === "string" && typeof v.line === "number" && typeof v.file === "string";
}

function readTree(file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(file, "utf8"), { lineCounter, prettyErrors: true });
  if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]?.message}`);
  const walk = (node: Node | null | undefined | unknown): unknown => {
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const pair of node.items) out[String(isScalar(pair.key) ? pair.key.value : pair.key)] = walk(pair.value);
      return out;
    }
    if (isSeq(node)) return node.items.map(walk);
    if (isScalar(node)) {
      if (typeof node.value !== "string") return node.value;
      const line = lineCounter.linePos(node.range?.[0] ?? 0).line;
      return { source: node.value, file, line } satisfies SourceString;
    }
    return undefined;
  };
  return walk(doc.contents);
}
