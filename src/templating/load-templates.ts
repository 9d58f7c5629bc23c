import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { isRecord } from "../core/is-record.js";

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
  /** eventCode, "_default" or a base ("_file-change") → neutral template, read and resolved on first get. */
  neutral: NeutralTemplates;
  /** "eventCode.platform" → platform override source (Handlebars producing JSON). */
  overrides: Map<string, { source: string; file: string }>;
  /** Partial name ("_fields" without extension) → source. */
  partials: Map<string, { source: string; file: string }>;
}

/** Neutral templates by name; a file is read (YAML parsed, `extends` resolved) only when asked for. */
export interface NeutralTemplates {
  names(): string[];
  has(name: string): boolean;
  /** The file a name is read from: the user's directory's when it has one, else the built-in one ("" for none). */
  file(name: string): string;
  get(name: string): TemplateSource | undefined;
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
  // Every file is read now, parsed when first needed: what was installed at start-up is what renders.
  const files = new Map<string, { file: string; text: string }>();
  const overrides: TemplateSet["overrides"] = new Map();
  const partials: TemplateSet["partials"] = new Map();
  for (const dir of dirs) {
    if (!existsSync(dir)) throw new Error(`templates directory not found: ${dir}`);
    for (const f of readdirSync(dir).sort()) {
      const file = join(dir, f);
      if (f.endsWith(".yaml") || f.endsWith(".yml"))
        files.set(basename(f).replace(/\.ya?ml$/, ""), { file, text: readFileSync(file, "utf8") });
      else if (/^[^.]+\.(slack|lark|dingtalk)\.hbs$/.test(f))
        overrides.set(f.replace(/\.hbs$/, ""), { source: readFileSync(file, "utf8"), file });
    }
    const partialDir = join(dir, "partials");
    if (existsSync(partialDir)) {
      for (const f of readdirSync(partialDir)) {
        if (f.endsWith(".hbs"))
          partials.set(f.replace(/\.hbs$/, ""), {
            source: readFileSync(join(partialDir, f), "utf8"),
            file: join(partialDir, f),
          });
      }
    }
  }
  // Parsing YAML is most of the cost of a one-shot render: each file is parsed once, when first needed.
  const raw = new Map<string, TemplateSource>();
  const rawOf = (name: string): TemplateSource | undefined => {
    const read = files.get(name);
    if (read === undefined) return undefined;
    let t = raw.get(name);
    if (!t) {
      t = { name, file: read.file, tree: readTree(read.file, read.text) };
      raw.set(name, t);
    }
    return t;
  };
  const resolved = new Map<string, TemplateSource>();
  const neutral: NeutralTemplates = {
    names: () => [...files.keys()],
    has: (name) => files.has(name),
    file: (name) => files.get(name)?.file ?? "",
    get(name) {
      let t = resolved.get(name);
      const own = t ? undefined : rawOf(name);
      if (own) {
        t = { ...own, tree: resolveExtends(own, rawOf, []) };
        resolved.set(name, t);
      }
      return t;
    },
  };
  return { neutral, overrides, partials };
}

/**
 * `extends: _base` merges the base under the child: maps merge key by key (the child wins, `null` removes
 * a key), a child list replaces the base's list unless it contains "...", which stands for the base's items.
 */
function resolveExtends(t: TemplateSource, all: (name: string) => TemplateSource | undefined, seen: string[]): unknown {
  const tree = t.tree;
  if (!isRecord(tree) || !("extends" in tree)) return tree;
  const { extends: ref, ...own } = tree;
  const baseName = isSource(ref) ? ref.source.trim() : "";
  const where = isSource(ref) ? `${t.file}:${ref.line}` : t.file;
  if (!baseName) throw new Error(`${where}: template error: "extends" must name a template, e.g. extends: _base`);
  const base = all(baseName);
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

function isSource(v: unknown): v is SourceString {
  return isRecord(v) && typeof v.source === "string" && typeof v.line === "number" && typeof v.file === "string";
}

function readTree(file: string, text: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
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
