import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../../src/config/load-config.js";
import { configSchema } from "../../../src/config/schema.js";
import { ConfigError } from "../../../src/core/errors.js";
import { parseEnvelopes } from "../../../src/dataworks/envelope.js";
import { compilePattern } from "../../../src/routing/pattern.js";
import { patternView } from "../../../src/routing/router.js";
import { allFixtureNames, fixture } from "../../helpers/fixtures.js";
import { docPathPattern, readDocKeys } from "./doc-tables.js";
import { formatDefault, keyPaths } from "./schema-paths.js";

/**
 * docs/configuration.md and dw-chatops.example.yaml are kept true by these tests: every key of the zod
 * schema has a row (or a heading) in the docs, no row names a key that does not exist, every default the
 * schema declares is written exactly, and the example validates with dummy values for its variables.
 */
const ROOT = join(import.meta.dirname, "..", "..", "..");
const DOC = readFileSync(join(ROOT, "docs/configuration.md"), "utf8");
const EXAMPLE = readFileSync(join(ROOT, "dw-chatops.example.yaml"), "utf8");

const schemaPaths = keyPaths(configSchema);
const doc = readDocKeys(DOC);
const documented = [...doc.rows.map((r) => r.path), ...doc.headings.map((h) => h.path)].map((p) => ({
  p,
  re: docPathPattern(p),
}));

describe("docs/configuration.md covers the schema", () => {
  it("walks the whole schema (sanity: nested objects, arrays, records and unions are found)", () => {
    const paths = schemaPaths.map((k) => k.path);
    for (const p of [
      "server.port",
      "ingest.auth.basic[].password",
      "ingest.auth.signature.certUrlPatterns",
      "destinations.<name>.channel",
      "destinations.<name>.conversationId",
      "destinations.<name>.digest.interval",
      "approvals.policies[].when.during[].days",
      "approvals.groups.<name>.lark",
      "commands.roles.mute.users.dingtalk",
      "outbox.rateLimits.dingtalk-webhook.per",
    ])
      expect(paths).toContain(p);
    expect(paths.length).toBeGreaterThan(150);
  });

  it("every key path of the schema has a row or a heading", () => {
    const missing = schemaPaths.map((k) => k.path).filter((p) => !documented.some((d) => d.re.test(p)));
    expect(missing).toEqual([]);
  });

  it("every documented key exists in the schema (no stale or misspelt rows)", () => {
    const unknown = documented.filter((d) => !schemaPaths.some((k) => d.re.test(k.path))).map((d) => d.p);
    expect(unknown).toEqual([]);
  });

  it("every default the schema declares is written in the Default column, exactly", () => {
    const wrong: string[] = [];
    for (const row of doc.rows) {
      const re = docPathPattern(row.path);
      for (const k of schemaPaths.filter((s) => re.test(s.path))) {
        const want = k.default ? formatDefault(k.default.value) : undefined;
        if (want === undefined || row.default === `\`${want}\``) continue;
        // Too long for a cell (the certificate URL patterns): then each value must be spelled out in the section.
        const values = [k.default?.value].flat().map(String);
        if (want.length > 60 && values.every((v) => DOC.includes(v))) continue;
        wrong.push(`line ${row.line}: ${row.path} default is \`${want}\`, the docs say ${row.default || "nothing"}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("sections come in schema order", () => {
    const top = Object.keys(configSchema.shape);
    const firstLine = (key: string) => {
      const lines = [
        ...doc.rows.filter((r) => r.path.split(/[.[]/)[0] === key).map((r) => r.line),
        ...doc.headings.filter((h) => h.path === key).map((h) => h.line),
      ];
      return Math.min(...lines);
    };
    const order = top.map((k) => [k, firstLine(k)] as const).sort((a, b) => a[1] - b[1]);
    expect(order.map(([k]) => k)).toEqual(top);
  });

  it("every environment variable the bot reads is in the docs", () => {
    for (const v of ["DW_CHATOPS_CONFIG", "REDIS_URL"]) expect(DOC).toContain(`| \`${v}\` |`);
  });
});

describe("docs/configuration.md pattern examples", () => {
  const section = DOC.slice(DOC.indexOf("## Event patterns"));
  const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  // Each example is a comment and a `match:`, separated by blank lines.
  const examples = blocks.flatMap((b) => b.split(/\n\s*\n/)).filter((chunk) => /^match:/m.test(chunk));
  const views = allFixtureNames().map((name) => {
    const parsed = parseEnvelopes(fixture(name));
    if (!parsed.ok) throw new Error(`fixture ${name} does not parse`);
    return { name, view: patternView(parsed.events[0] as Parameters<typeof patternView>[0]) };
  });

  it("there are examples", () => expect(examples.length).toBeGreaterThanOrEqual(6));

  for (const chunk of examples) {
    const title = chunk.split("\n")[0] ?? "";
    it(`compiles and matches a DataWorks fixture: ${title}`, () => {
      const { match } = parseYaml(chunk) as { match: unknown };
      const compiled = compilePattern(match);
      expect(compiled.error).toBeUndefined();
      const hits = views.filter((v) => compiled.match?.(v.view)).map((v) => v.name);
      expect(hits.length, title).toBeGreaterThan(0);
      // A pattern that matches everything would show nothing.
      expect(hits.length, title).toBeLessThan(views.length);
    });
  }

  it("an example that leaves out backfills leaves out the backfill fixture (dagType 3, as the templates say)", () => {
    const dagTypes = (
      parseYaml(readFileSync(join(ROOT, "templates/locales/en.yaml"), "utf8")) as {
        enum: { dagType: Record<string, string> };
      }
    ).enum.dagType;
    const backfill = Object.entries(dagTypes).find(([, label]) => label === "Backfill")?.[0];
    expect(backfill).toBe("3");
    const chunk = examples.find((c) => /not backfills/i.test(c.split("\n")[0] ?? ""));
    expect(chunk, "the example is still there").toBeDefined();
    expect((chunk ?? "").split("\n")[0]).toContain(`dagType ${backfill}`);
    const compiled = compilePattern((parseYaml(chunk ?? "") as { match: unknown }).match);
    const backfills = views.filter((v) => String((v.view.data as { dagType?: unknown })?.dagType) === backfill);
    expect(backfills.map((v) => v.name)).toContain("dag-status-changes");
    expect(backfills.filter((v) => compiled.match?.(v.view)).map((v) => v.name)).toEqual([]);
  });
});

/** Every string value of a parsed YAML tree (comments are gone by then). */
function strings(node: unknown): string[] {
  if (typeof node === "string") return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (node && typeof node === "object") return Object.values(node).flatMap(strings);
  return [];
}

/** The variables a config refers to, with a plausible dummy value each (URLs where a URL is needed). */
function dummyEnv(raw: unknown): Record<string, string> {
  const names = strings(raw).flatMap((s) =>
    [...s.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)].map((m) => m[1] as string),
  );
  return Object.fromEntries(
    names.map((n) => [
      n,
      n === "REDIS_URL"
        ? "redis://127.0.0.1:6379"
        : n.endsWith("_URL")
          ? `https://example.invalid/${n.toLowerCase()}`
          : `dummy-${n.toLowerCase().replaceAll("_", "-")}`,
    ]),
  );
}

/** Keys that hold credentials; in the example their values must be ${ENV} references. */
const SECRET_KEYS = new Set([
  "tokens",
  "bearerTokens",
  "password",
  "values",
  "accessKeyId",
  "accessKeySecret",
  "token",
  "signingSecret",
  "appSecret",
  "encryptKey",
  "verificationToken",
  "clientSecret",
  "webhook",
  "webhookSecret",
  "accessToken",
  "secret",
]);

function literalSecrets(node: unknown, path: string, out: string[]): string[] {
  if (Array.isArray(node)) {
    for (const [i, v] of node.entries()) literalSecrets(v, `${path}[${i}]`, out);
  } else if (node && typeof node === "object")
    for (const [k, v] of Object.entries(node)) {
      const p = path ? `${path}.${k}` : k;
      if (SECRET_KEYS.has(k)) for (const s of [v].flat()) if (!/^\$\{[A-Z0-9_]+\}$/.test(String(s))) out.push(p);
      literalSecrets(v, p, out);
    }
  return out;
}

describe("dw-chatops.example.yaml", () => {
  const raw = parseYaml(EXAMPLE) as Record<string, unknown>;
  const env = dummyEnv(raw);

  it("validates (schema and cross-checks) with dummy values for its variables", () => {
    const config = parseConfig(raw, env);
    const platforms = new Set(Object.values(config.destinations).map((d) => d.platform));
    expect([...platforms].sort()).toEqual(["dingtalk", "lark", "slack"]);
    // The production features the example is there to show.
    expect(config.routes.some((r) => r.match && r.continue)).toBe(true);
    expect(config.approvals.policies.some((p) => p.when.during && p.decide === "block")).toBe(true);
    expect(config.approvals.routes.length).toBeGreaterThan(0);
    expect(config.commands.roles.mute.groups.length + config.commands.roles.mute.users.slack.length).toBeGreaterThan(0);
    expect(Object.keys(config.outbox.rateLimits).length).toBeGreaterThan(0);
    expect(Object.values(config.destinations).some((d) => d.rateLimit || d.digest)).toBe(true);
    expect(config.dataworks.extensionCode).toBe(env.DATAWORKS_EXTENSION_CODE);
  });

  it("writes every secret as an environment variable reference", () => {
    expect(literalSecrets(raw, "", [])).toEqual([]);
  });

  it("names each variable in its header comment, and each unset one is reported by key path", () => {
    const header = EXAMPLE.split("\n")
      .filter((l) => l.startsWith("#"))
      .join("\n");
    for (const name of Object.keys(env)) expect(header, name).toMatch(new RegExp(`#\\s+${name}\\b`));
    let err: unknown;
    try {
      parseConfig(raw, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    for (const name of Object.keys(env))
      expect(problems, name).toContainEqual(
        expect.stringMatching(new RegExp(`^\\S+: environment variable ${name} is not set$`)),
      );
  });
});
