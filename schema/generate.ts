/**
 * Generates schema/dw-chatops.schema.json, the JSON Schema editors use to complete and check a config file
 * (dw-chatops.example.yaml names it in its `yaml-language-server` modeline), from the zod schema (src/config) with
 * each key's description taken from docs/configuration.md. test/unit/config/json-schema.test.ts fails when the file
 * is out of date:   npm run schema
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { configSchema } from "../src/config/schema.js";
import { docPathPattern, readDocKeys } from "../test/unit/config/doc-tables.js";

const ROOT = join(import.meta.dirname, "..");
export const SCHEMA_FILE = join(ROOT, "schema/dw-chatops.schema.json");

type Node = Record<string, unknown>;

const REF = "\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}";
/** A whole `${VAR}` or `${VAR:-default}`: numbers and booleans may come from the environment. */
const ENV_REF = {
  type: "string",
  pattern: `^${REF}$`,
  description: "An environment variable, converted and checked after interpolation (docs/configuration.md).",
};
/** A string with a `${VAR}` in it: a constrained string (URL, pattern, enum) is checked after interpolation. */
const STRING_WITH_REF = { type: "string", pattern: REF };

export function buildConfigJsonSchema(docMarkdown: string): Node {
  const rows = readDocKeys(docMarkdown).rows.map((r) => ({
    re: docPathPattern(r.path),
    text: r.description.replace(/\\\|/g, "|"),
    default: r.default,
  }));
  // A row without text whose default is another key (`outbox.digest.interval`) overrides that key: its text.
  const describe = (path: string): string | undefined => {
    const row = rows.find((r) => r.re.test(path));
    const other = /^`([a-zA-Z.]+)`$/.exec(row?.default ?? "")?.[1];
    return row?.text || (other && other !== path ? describe(other) : undefined);
  };
  const json = z.toJSONSchema(configSchema, { io: "input", target: "draft-7", unrepresentable: "any" }) as Node;
  const out = walk(json, "", describe);
  return {
    $schema: out.$schema,
    title: "dataworks-chatops configuration (dw-chatops.yaml)",
    ...out,
  };
}

/** Adds descriptions by key path (`a.b`, `list[]`, `record.<name>`) and lets typed leaves be `${VAR}`. */
function walk(node: Node, path: string, describe: (p: string) => string | undefined): Node {
  const n: Node = { ...node };
  for (const k of ["anyOf", "oneOf", "allOf"] as const)
    if (Array.isArray(n[k])) n[k] = (n[k] as Node[]).map((o) => walk(o, path, describe));
  if (n.properties && typeof n.properties === "object") {
    const props: Record<string, Node> = {};
    for (const [key, child] of Object.entries(n.properties as Record<string, Node>)) {
      const p = path ? `${path}.${key}` : key;
      const d = describe(p);
      props[key] = { ...(d ? { description: d } : {}), ...walk(child, p, describe) };
    }
    n.properties = props;
  }
  if (n.items && typeof n.items === "object") n.items = walk(n.items as Node, `${path}[]`, describe);
  if (n.additionalProperties && typeof n.additionalProperties === "object")
    n.additionalProperties = walk(n.additionalProperties as Node, `${path}.<name>`, describe);
  const typed = n.type === "integer" || n.type === "number" || n.type === "boolean";
  const constrained = n.type === "string" && ["format", "pattern", "enum", "const"].some((k) => k in n);
  if (!typed && !constrained) return n;
  const { description, default: dflt, ...leaf } = n;
  return {
    ...(description !== undefined ? { description } : {}),
    ...(dflt !== undefined ? { default: dflt } : {}),
    anyOf: [leaf, typed ? ENV_REF : STRING_WITH_REF],
  };
}

export function renderSchemaFile(docMarkdown: string): string {
  return `${JSON.stringify(buildConfigJsonSchema(docMarkdown), null, 2)}\n`;
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderSchemaFile(readFileSync(join(ROOT, "docs/configuration.md"), "utf8")));
  console.log(`wrote ${SCHEMA_FILE}`);
}
