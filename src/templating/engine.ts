import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import Handlebars from "handlebars";
import type { DwEvent } from "../core/event.js";
import { emptyMessage, type Message, type MessageButton, type Severity } from "../core/message.js";
import { truncate } from "../core/text.js";
import { catalogEntry } from "../dataworks/catalog.js";
import { assertTimeZone } from "./format.js";
import { type AstNode, helperCalls, walkAst } from "./ast.js";
import { registerHelpers } from "./helpers.js";
import { loadMessages, type Messages, translate } from "./i18n.js";
import { loadTemplateSources, type SourceString, type TemplateSource } from "./load-templates.js";
import { checkOverrideSafety } from "./override-helpers.js";
import { isRecord } from "../core/is-record.js";

type Compiled = (ctx: unknown) => string;
/** A template file's part tree with each Handlebars leaf replaced by its index in one combined template. */
type LeafTree =
  | { leaf: number }
  | LeafTree[]
  | { [k: string]: LeafTree }
  | string
  | number
  | boolean
  | null
  | undefined;
interface CompiledFile {
  tree: LeafTree;
  /** Renders every leaf in ONE Handlebars call: each top-level call re-wraps every helper, ~20 leaves per file. */
  run: (ctx: RenderRoot) => string[];
}
type RenderRoot = ReturnType<TemplateEngine["context"]>;

export interface RenderContextExtras {
  /** Names looked up through the DataWorks OpenAPI (node name, owner, workspace, log excerpt …). */
  enrich?: Record<string, unknown>;
  /** Buttons the core adds (approval cards). */
  actions?: MessageButton[];
  /** Extra values for templates (approval state, deadline, digest items …). */
  extra?: Record<string, unknown>;
}

export interface TemplateEngineOptions {
  /** Built-in directory first, then the user's. */
  dirs: readonly string[];
  timeZone: string;
  consoleUrl: string;
  /** Region for console links when an event carries none (Function Compute envelopes): dataworks.regionId. */
  regionId?: string;
  locales?: readonly string[];
  /**
   * "eager" (check-config, the tests): every template compiled at construction, so a broken one fails there.
   * "yours" (the bot): the files of the user's directory (`templates.dir`) compiled at construction, every file
   * when that directory replaces a base (`_x.yaml`, which built-in files extend); the built-in files, which CI
   * compiles eagerly, on first use. Compiling all of them at start-up has V8 optimise the YAML and Handlebars
   * parsers on its compiler threads, whose freed memory glibc keeps: ~20 MiB of idle RSS (docs/benchmarks.md,
   * eighth round). Every file is read at construction either way: what was installed at start-up is what renders.
   * "on-use" (one-shot `render`, `route`): each file compiled the first time it is rendered, with the same checks.
   */
  compile?: "eager" | "yours" | "on-use";
}

const SEVERITIES = new Set<Severity>(["info", "success", "warning", "danger"]);

/**
 * Platform-neutral caps on what a template can produce from a payload (a 100 KB SQL text, 10,000 ids):
 * every renderer then starts from a message of bounded size and applies its own, stricter limits.
 */
export const MESSAGE_LIMITS = {
  title: 250,
  summary: 300,
  label: 100,
  value: 2000,
  fields: 30,
  sectionText: 4000,
  sections: 10,
  links: 10,
  url: 2000,
  context: 10,
  contextText: 500,
} as const;
const COMPILE_OPTIONS = { noEscape: true, strict: false } as const;
const HTTP_URL = /^https?:\/\/[^\s]+$/;
/**
 * Written between the leaves of a file's combined template, on a line of its own: ASCII's record separator. Not
 * whitespace, so no standalone-line or `~` rule strips across it (NUL would end Handlebars' lexer); a payload value
 * holding it shows as a part count that does not match (see leafTemplate), never as a wrong split.
 */
const LEAF_SEPARATOR = "\u001e";
/** Handlebars' own helpers that every environment has (Handlebars.create()); the two "missing" hooks always stay. */
const BUILT_IN_HELPERS = ["if", "unless", "each", "with", "lookup", "log"];

/**
 * Handlebars templates → neutral Message. What the user wrote is compiled at construction (see `compile`) so a
 * broken template fails start-up with its file and line, not the first delivery.
 */
export class TemplateEngine {
  private readonly hb = Handlebars.create();
  private readonly neutral = new Map<string, CompiledFile>();
  private readonly overrides = new Map<string, Compiled>();
  /** Sources not compiled yet ("on-use"); compiled and moved to neutral/overrides on first use. */
  private readonly pendingNeutral = new Map<string, () => TemplateSource | undefined>();
  private readonly pendingOverrides = new Map<string, { source: string; file: string }>();
  /** Files whose compile on first use failed, by name ("commit-file", "commit-file.slack.hbs"): see once(). */
  private readonly failed = new Map<string, Error>();
  readonly messages: Messages;
  private readonly opts: TemplateEngineOptions;
  private readonly partials = new Map<string, Compiled>();
  /**
   * What each partial may call as a helper, the partials it names, and whether it reads `@…` data: a file's
   * environment holds the helpers of the partials it can reach too, and keeps data frames if one of them reads
   * `@…` (a partial reads its caller's). See fileEnvironment.
   */
  private readonly partialUses = new Map<string, Uses>();
  /**
   * The render under way: helpers read the locale, time zone and region from it instead of `@root` (options.data),
   * so a file that reads no `@…` variable compiles with `data: false`. Handlebars renders synchronously.
   */
  private current: RenderRoot | undefined;

  constructor(opts: TemplateEngineOptions) {
    this.opts = opts;
    assertTimeZone(opts.timeZone);
    // Like the templates: your locale files are read at construction, the built-in catalogs on first use.
    const lazyMessages =
      opts.compile === "on-use" ||
      (opts.compile === "yours" && !opts.dirs.slice(1).some((d) => existsSync(join(d, "locales"))));
    this.messages = loadMessages(opts.dirs, opts.locales ?? ["en", "zh-CN"], lazyMessages);
    registerHelpers(this.hb, this.messages, () => {
      // Every template call is made through during(): nothing renders outside one.
      if (!this.current) throw new Error("a template helper ran outside a render");
      return this.current;
    });
    const set = loadTemplateSources(opts.dirs);
    for (const [name, p] of set.partials) {
      const { compiled, ast } = this.compileString({ source: p.source, file: p.file, line: 1 });
      this.hb.registerPartial(name, compiled);
      this.partials.set(name, compiled);
      this.partialUses.set(name, usesOf(ast));
    }
    for (const name of set.neutral.names()) this.pendingNeutral.set(name, () => set.neutral.get(name));
    for (const [key, o] of set.overrides) this.pendingOverrides.set(key, o);
    if (!this.pendingNeutral.has("_default"))
      throw new Error("templates: the fallback template _default.yaml is missing");
    if (opts.compile !== "on-use") {
      const builtIn = resolve(opts.dirs[0] ?? "");
      const yours = (file: string) => resolve(dirname(file)) !== builtIn;
      const yourBase = set.neutral.names().some((n) => n.startsWith("_") && yours(set.neutral.file(n)));
      const now = (file: string) => opts.compile !== "yours" || yourBase || yours(file);
      for (const name of set.neutral.names()) if (now(set.neutral.file(name))) this.neutralFile(name);
      for (const [key, o] of set.overrides) if (now(o.file)) this.override(key);
    }
  }

  /** Template names (event codes) that have their own template; `_`-files are bases and the fallback. */
  names(): string[] {
    return [...this.neutral.keys(), ...this.pendingNeutral.keys()].filter((n) => !n.startsWith("_"));
  }

  hasOverride(eventCode: string, platform: string): boolean {
    const key = `${eventCode}.${platform}`;
    return this.overrides.has(key) || this.pendingOverrides.has(key);
  }

  private hasTemplate(name: string): boolean {
    return this.neutral.has(name) || this.pendingNeutral.has(name);
  }

  private neutralFile(name: string): CompiledFile | undefined {
    const pending = this.pendingNeutral.get(name);
    if (pending) {
      this.neutral.set(
        name,
        this.once(name, () => this.compileFile(pending() as TemplateSource)),
      );
      this.pendingNeutral.delete(name);
    }
    return this.neutral.get(name);
  }

  private override(key: string): Compiled | undefined {
    const o = this.pendingOverrides.get(key);
    if (o) {
      const compiled = this.once(`${key}.hbs`, () => {
        const { compiled, ast } = this.compileString({ source: o.source, file: o.file, line: 1 });
        const unsafe = checkOverrideSafety(ast)[0];
        if (unsafe) throw new Error(`${o.file}:${unsafe.line}: template error: ${unsafe.problem}`);
        return compiled;
      });
      this.overrides.set(key, compiled);
      this.pendingOverrides.delete(key);
    }
    return this.overrides.get(key);
  }

  /**
   * `compile()` once: a file compiled on first use that fails throws the same error at every later use (each render
   * falls back as for any template error) instead of being read and compiled again for every event.
   */
  private once<T>(what: string, compile: () => T): T {
    const failed = this.failed.get(what);
    if (failed) throw failed;
    try {
      return compile();
    } catch (err) {
      this.failed.set(what, err as Error);
      throw err;
    }
  }

  context(event: DwEvent, locale: string, extras: RenderContextExtras = {}) {
    const entry = catalogEntry(event.type, event.eventCode);
    return {
      event: {
        ...event,
        name: entry ? translate(this.messages, locale, `event.${entry.eventCode}`) : event.type,
        extensionPoint: entry?.extensionPoint ?? false,
      },
      data: event.data,
      enrich: extras.enrich ?? {},
      extra: extras.extra ?? {},
      locale,
      timeZone: this.opts.timeZone,
      consoleUrl: this.opts.consoleUrl,
      regionId: this.opts.regionId,
    };
  }

  /** Render an event to the neutral message in one locale. Throws if the template fails at run time. */
  render(event: DwEvent, locale: string, extras: RenderContextExtras = {}, templateName?: string): Message {
    // Bases (`_x`) are never picked by an event's own code, whatever the payload says.
    const own = !event.eventCode.startsWith("_") && this.hasTemplate(event.eventCode);
    const name = templateName ?? (own ? event.eventCode : "_default");
    const tree = this.neutralFile(name) ?? this.neutralFile("_default");
    const ctx = this.context(event, locale, extras);
    const file = tree as CompiledFile;
    const leaves = this.during(ctx, () => file.run(ctx));
    const out = evaluate(file.tree, leaves) as Record<string, unknown>;
    const msg = emptyMessage(event.eventCode, locale);
    const L = MESSAGE_LIMITS;
    msg.title = truncate(str(out.title) || ctx.event.name, L.title);
    const sev = str(out.severity) as Severity;
    msg.severity = SEVERITIES.has(sev) ? sev : "info";
    const summary = str(out.summary);
    if (summary) msg.summary = truncate(summary, L.summary);
    // One pass per list (no map/filter/slice chains): each render builds only the items it keeps.
    for (const f of items(out.fields)) {
      if (msg.fields.length >= L.fields) break;
      if (!isRecord(f)) continue;
      const label = truncate(str(f.label), L.label);
      const value = truncate(str(f.value), L.value);
      if (label && value) msg.fields.push({ label, value });
    }
    for (const s of items(out.sections)) {
      if (msg.sections.length >= L.sections) break;
      if (!isRecord(s)) continue;
      const text = truncate(str(s.text), L.sectionText);
      if (!text) continue;
      const style = str(s.style);
      const title = truncate(str(s.title), L.label) || undefined;
      const st = style === "code" || style === "quote" ? style : "plain";
      msg.sections.push(title ? { title, text, style: st } : { text, style: st });
    }
    for (const l of items(out.links)) {
      if (msg.links.length >= L.links) break;
      if (!isRecord(l)) continue;
      const label = truncate(str(l.label), L.label);
      const url = str(l.url);
      if (label && url.length <= L.url && HTTP_URL.test(url)) msg.links.push({ label, url });
    }
    for (const c of items(out.context)) {
      if (msg.context.length >= L.context) break;
      const text = truncate(str(c), L.contextText);
      if (text) msg.context.push(text);
    }
    msg.actions = extras.actions ?? [];
    return msg;
  }

  /** A platform override (full Block Kit / card JSON), or undefined when the template has none. */
  renderOverride(event: DwEvent, platform: string, locale: string, extras: RenderContextExtras = {}): unknown {
    const t = this.override(`${event.eventCode}.${platform}`);
    if (!t) return undefined;
    const ctx = { ...this.context(event, locale, extras), actions: extras.actions ?? [] };
    return JSON.parse(this.during(ctx, () => t(ctx)));
  }

  /** Run a Handlebars call with `ctx` as the render helpers read (see `current`); nested calls restore the outer. */
  private during<T>(ctx: RenderRoot, run: () => T): T {
    const outer = this.current;
    this.current = ctx;
    try {
      return run();
    } finally {
      this.current = outer;
    }
  }

  /** The message sent when a template throws at run time: minimal, safe, and never dropped. */
  fallback(event: DwEvent, locale: string, extras: RenderContextExtras = {}): Message {
    const msg = emptyMessage(event.eventCode, locale);
    const entry = catalogEntry(event.type, event.eventCode);
    msg.title = entry ? translate(this.messages, locale, `event.${entry.eventCode}`) : event.type;
    msg.severity = "warning";
    msg.fields = [
      { label: translate(this.messages, locale, "field.eventType"), value: event.type },
      { label: translate(this.messages, locale, "field.eventId"), value: event.id },
    ];
    msg.context = [translate(this.messages, locale, "render.failed")];
    msg.actions = extras.actions ?? [];
    return msg;
  }

  /**
   * Check every leaf on its own (start-up errors name file and line), then join them into one template, each leaf
   * on lines of its own between separator lines, so Handlebars' standalone-line rules see each leaf exactly as
   * when it is compiled alone (parts are trimmed afterwards). A file whose template (and partials) read no `@…`
   * variable compiles with `data: false`: no data frame per render, block programs wrapped once, not per call.
   */
  private compileFile(t: TemplateSource): CompiledFile {
    const leaves: Leaf[] = [];
    const walk = (node: unknown): LeafTree => {
      if (Array.isArray(node)) return node.map(walk);
      if (node && typeof node === "object") {
        if ("source" in node && "line" in node) {
          const leaf = node as SourceString;
          leaves.push({ source: leaf.source, ast: this.checked(leaf) });
          return { leaf: leaves.length - 1 };
        }
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
      }
      return node as LeafTree;
    };
    const tree = walk(t.tree);
    // Leaves that only translate fixed keys (most labels: "{{t 'field.node'}}") are the same for every event in a
    // locale: rendered once per locale by a template of their own, every other leaf on every render.
    const perLocale: number[] = [];
    const perEvent: number[] = [];
    for (const [i, leaf] of leaves.entries()) (localeOnly(leaf.ast) ? perLocale : perEvent).push(i);
    const eventLeaves = this.leafTemplate(perEvent.map((i) => leaves[i] as Leaf));
    const localeLeaves = this.leafTemplate(perLocale.map((i) => leaves[i] as Leaf));
    const known = new Map<unknown, readonly string[]>();
    return {
      tree,
      run: (ctx) => {
        const texts: string[] = new Array(leaves.length).fill("");
        if (localeLeaves) {
          let fixed = known.get(ctx.locale);
          if (!fixed) {
            fixed = localeLeaves(ctx);
            known.set(ctx.locale, fixed);
          }
          for (let k = 0; k < perLocale.length; k++) texts[perLocale[k] as number] = fixed[k] as string;
        }
        if (eventLeaves) {
          const parts = eventLeaves(ctx);
          for (let k = 0; k < perEvent.length; k++) texts[perEvent[k] as number] = parts[k] as string;
        }
        return texts;
      },
    };
  }

  /** Several leaves rendered by one Handlebars call (see compileFile), each leaf's text in order; undefined for none. */
  private leafTemplate(leaves: readonly Leaf[]): ((ctx: RenderRoot) => string[]) | undefined {
    if (!leaves.length) return undefined;
    const sources = leaves.map((l) => l.source);
    const source = sources.join(`\n${LEAF_SEPARATOR}\n`);
    // The joined template uses what its leaves use (the separator lines hold no mustache).
    const uses = this.reachable(mergeUses(leaves.map((l) => usesOf(l.ast))));
    const env = this.fileEnvironment(uses.calls);
    const data = uses.data;
    const combined = env.compile(source, { ...COMPILE_OPTIONS, data }) as Compiled;
    // A value holding the separator: each leaf on its own (each a Handlebars call of its own: slower, same text).
    let alone: Compiled[] | undefined;
    return (ctx) => {
      const parts = combined(ctx).split(LEAF_SEPARATOR);
      if (parts.length === sources.length) return parts;
      alone ??= sources.map((s) => env.compile(s, { ...COMPILE_OPTIONS, data }) as Compiled);
      return alone.map((one) => one(ctx));
    };
  }

  /** A template's uses with those of every partial it can reach (all of them, if it names one at run time). */
  private reachable(own: Uses): Uses {
    const calls = new Set(own.calls);
    let data = own.data;
    const seen = new Set<string>();
    const todo = own.partials === "any" ? [...this.partialUses.keys()] : [...own.partials];
    for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
      const p = this.partialUses.get(name);
      if (seen.has(name) || !p) continue;
      seen.add(name);
      for (const h of p.calls) calls.add(h);
      data ||= p.data;
      todo.push(...(p.partials === "any" ? this.partialUses.keys() : p.partials));
    }
    return { calls, partials: seen, data };
  }

  /**
   * A Handlebars environment for one file's combined template, holding only the helpers it (or a partial it
   * reaches) can call. Handlebars 4.7 wraps every helper of the environment on every top-level call (`_setup`: two
   * closures each, ~55 helpers): a file calls a dozen. The helpers are the same functions as this.hb's, the partials
   * the same compiled partials, and every name in a helper position is kept, so what a template calls is what it
   * called.
   */
  private fileEnvironment(called: ReadonlySet<string>): typeof Handlebars {
    const env = Handlebars.create();
    const helpers = this.hb.helpers;
    // Handlebars' own block helpers too (`if`, `each` …): each is wrapped on every call like ours.
    for (const name of BUILT_IN_HELPERS) if (!called.has(name)) env.unregisterHelper(name);
    for (const name of called)
      if (Object.hasOwn(helpers, name)) env.registerHelper(name, helpers[name] as Handlebars.HelperDelegate);
    for (const [name, p] of this.partials) env.registerPartial(name, p);
    return env;
  }

  /** A template checked (see checked) and compiled; its AST for the caller's own checks. */
  private compileString(s: SourceString): { compiled: Compiled; ast: unknown } {
    const ast = this.checked(s);
    // From the source, not the AST: Handlebars would apply its whitespace rules to a parsed AST a second time.
    return { compiled: this.hb.compile(s.source, { ...COMPILE_OPTIONS }) as Compiled, ast };
  }

  /**
   * Parse a template once and check it now, not on first use, each error naming its file and line: syntax, what
   * Handlebars' compiler raises (its first stage, AST to opcodes: the second, which writes JavaScript, throws
   * nothing, so precompile's text would be garbage), and helpers that are not registered. Returns the AST.
   */
  private checked(s: SourceString): unknown {
    try {
      const ast = this.hb.parse(s.source);
      new (this.hb as unknown as HandlebarsCompilerApi).Compiler().compile(ast, { ...COMPILE_OPTIONS });
      const unknown = unknownHelpers(ast, new Set(Object.keys(this.hb.helpers)));
      if (unknown.length) throw new Error(`unknown helper "${unknown[0]?.name}" on line ${unknown[0]?.line}`);
      return ast;
    } catch (err) {
      const m = /line (\d+)/.exec((err as Error).message);
      const line = s.line + (m ? Number(m[1]) - 1 : 0);
      throw new Error(`${s.file}:${line}: template error: ${(err as Error).message.split("\n")[0]}`);
    }
  }
}

/** A leaf of a template file: its source and its AST (parsed once, at start-up). */
interface Leaf {
  source: string;
  ast: unknown;
}

/** Handlebars' compiler class (Handlebars.Compiler, public on every environment but not in its type definitions). */
interface HandlebarsCompilerApi {
  Compiler: new () => { compile(ast: unknown, options: object): unknown };
}

/** Helper calls (a path with arguments) whose helper is not registered: caught at start-up, not on delivery. */
function unknownHelpers(ast: unknown, known: ReadonlySet<string>): Array<{ name: string; line: number }> {
  return helperCalls(ast)
    .filter((c) => c.args && !known.has(c.name))
    .map(({ name, line }) => ({ name, line }));
}

/** Every name a template puts where Handlebars may call a helper (`{{t …}}`, `{{#if …}}`, `(concat …)`, `{{name}}`). */
function calledNames(ast: unknown): Set<string> {
  return new Set(
    helperCalls(ast)
      .filter((c) => c.simple)
      .map((c) => c.head),
  );
}

/** What a template may call as a helper, the partials it names, and whether it reads `@…` data variables. */
interface Uses {
  calls: ReadonlySet<string>;
  /** "any": a partial named at run time (`{{> (whichPartial)}}`, `{{> @x}}`). */
  partials: ReadonlySet<string> | "any";
  data: boolean;
}

function usesOf(ast: unknown): Uses {
  const partials = new Set<string>();
  let any = false;
  let data = false;
  walkAst(ast, (n) => {
    // walkAst does not descend into a statement's `path`: `{{@key}}` is read there.
    const path = n.path as { data?: unknown } | undefined;
    if ((n.type === "PathExpression" && n.data === true) || path?.data === true) data = true;
    if (n.type === "PartialStatement" || n.type === "PartialBlockStatement") {
      const name = n.name as { type?: string; original?: unknown; data?: boolean; value?: unknown } | undefined;
      if (name?.type === "PathExpression" && !name.data) partials.add(String(name.original));
      else if (name?.type?.endsWith("Literal")) partials.add(String(name.value));
      else any = true;
    }
    return undefined;
  });
  return { calls: calledNames(ast), partials: any ? "any" : partials, data };
}

function mergeUses(all: readonly Uses[]): Uses {
  const calls = new Set<string>();
  const partials = new Set<string>();
  let any = false;
  for (const u of all) {
    for (const c of u.calls) calls.add(c);
    if (u.partials === "any") any = true;
    else for (const p of u.partials) partials.add(p);
  }
  return { calls, partials: any ? "any" : partials, data: all.some((u) => u.data) };
}

/**
 * Whether a leaf's output depends on the locale alone: text, comments and `{{t "key"}}` with string keys and no
 * hash (`t` reads only the locale and the catalogs, loaded at construction).
 */
function localeOnly(ast: unknown): boolean {
  const body = (ast as { body?: AstNode[] }).body ?? [];
  return body.every((n) => {
    if (n.type === "ContentStatement" || n.type === "CommentStatement") return true;
    const p = n.path as { type?: string; original?: unknown; parts?: unknown[]; depth?: number } | undefined;
    return (
      n.type === "MustacheStatement" &&
      p?.type === "PathExpression" &&
      p.original === "t" &&
      p.parts?.length === 1 &&
      !p.depth &&
      !n.hash &&
      (n.params?.length ?? 0) > 0 &&
      (n.params ?? []).every((x) => (x as AstNode).type === "StringLiteral")
    );
  });
}

/** The part tree with its leaves' text in place (loops, not entries/fromEntries pairs: this runs on every render). */
function evaluate(tree: LeafTree, leaves: readonly string[]): unknown {
  if (Array.isArray(tree)) {
    const out = new Array<unknown>(tree.length);
    for (let i = 0; i < tree.length; i++) out[i] = evaluate(tree[i], leaves);
    return out;
  }
  if (tree && typeof tree === "object") {
    if ("leaf" in tree && typeof tree.leaf === "number") return leaves[tree.leaf];
    const out: Record<string, unknown> = {};
    // A "__proto__" key would set the prototype here (fromEntries made it an own key, which nothing reads).
    for (const k of Object.keys(tree))
      if (k !== "__proto__") out[k] = evaluate((tree as Record<string, LeafTree>)[k], leaves);
    return out;
  }
  return tree;
}

function str(v: unknown): string {
  return v === undefined || v === null ? "" : String(v).trim();
}

const NONE: readonly unknown[] = [];
/** A template's list, or none; its items may be anything (render keeps the objects it can read). */
function items(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : NONE;
}
