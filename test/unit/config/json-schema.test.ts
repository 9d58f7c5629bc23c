// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the config syntax under test
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { renderSchemaFile, SCHEMA_FILE } from "../../../schema/generate.js";

/**
 * schema/dw-chatops.schema.json is what editors check a config file with: generated from the zod schema plus
 * docs/configuration.md (`npm run schema`), and checked here with a real JSON Schema validator (Ajv).
 */
const ROOT = join(import.meta.dirname, "..", "..", "..");
const DOC = readFileSync(join(ROOT, "docs/configuration.md"), "utf8");
const EXAMPLE = readFileSync(join(ROOT, "dw-chatops.example.yaml"), "utf8");
const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);
const check = (yaml: string) => (validate(parseYaml(yaml)) ? [] : (validate.errors ?? []).map((e) => e.instancePath));

describe("schema/dw-chatops.schema.json", () => {
  it("is up to date with src/config and docs/configuration.md (run `npm run schema`)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(renderSchemaFile(DOC));
  });

  it("the example names it in its yaml-language-server modeline, by a path that exists", () => {
    const m = /^# yaml-language-server: \$schema=(\S+)$/m.exec(EXAMPLE);
    expect(m?.[1]).toBe("./schema/dw-chatops.schema.json");
    expect(join(ROOT, m?.[1] ?? "?")).toBe(SCHEMA_FILE);
  });

  it("accepts the example as written, ${VAR} references included", () => {
    expect(check(EXAMPLE)).toEqual([]);
  });

  it("refuses what the bot refuses: unknown keys, wrong types, out-of-range values", () => {
    expect(check("server: { prot: 8080 }\n")).toContain("/server");
    expect(check("server: { port: 70000 }\n")).toContain("/server/port");
    expect(check("server: { port: eighty }\n")).toContain("/server/port");
    expect(check("destinations: { ops: { platform: telegram } }\n").length).toBeGreaterThan(0);
  });

  it("lets numbers and booleans be a whole ${VAR} (typed interpolation), not any string", () => {
    expect(check("server: { port: '${PORT}' }\nworker: { concurrency: '${N:-4}' }\n")).toEqual([]);
    expect(check("server: { port: 'port ${PORT}' }\n")).toContain("/server/port");
  });

  it("describes keys with the text of docs/configuration.md", () => {
    const server = (schema.properties as Record<string, { properties: Record<string, { description?: string }> }>)
      .server;
    expect(server?.properties.port?.description).toMatch(/^HTTP port \(`serve --port N` overrides it\)/);
    // Every leaf key has a description (objects may be documented by a heading instead).
    const missing: string[] = [];
    const walk = (n: Record<string, unknown>, path: string) => {
      for (const alt of ["anyOf", "oneOf"] as const)
        for (const o of (n[alt] as Record<string, unknown>[] | undefined) ?? []) walk(o, path);
      for (const [k, c] of Object.entries((n.properties as Record<string, Record<string, unknown>>) ?? {})) {
        const leaf = c.type !== "object" && c.type !== "array" && !c.properties && !c.items;
        if (leaf && !c.description && !c.anyOf) missing.push(`${path}.${k}`);
        walk(c, `${path}.${k}`);
      }
      if (n.items) walk(n.items as Record<string, unknown>, `${path}[]`);
      if (n.additionalProperties && typeof n.additionalProperties === "object")
        walk(n.additionalProperties as Record<string, unknown>, `${path}.<name>`);
    };
    walk(schema, "");
    expect(missing).toEqual([]);
  });
});
