// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the config syntax under test
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../../src/config/load-config.js";
import { ConfigError } from "../../../src/core/errors.js";

/** `port: ${PORT}`: numbers and booleans may come from the environment, validated after interpolation. */
const parse = (yaml: string, env: Record<string, string>) => parseConfig(parseYaml(yaml), env);
const problems = (yaml: string, env: Record<string, string>): readonly string[] => {
  try {
    parse(yaml, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
};

describe("typed ${VAR}: numbers and booleans from the environment", () => {
  const yaml = [
    "server: { port: '${PORT}', bodyLimitBytes: '${BODY_LIMIT:-65536}' }",
    "worker: { concurrency: '${CONCURRENCY}' }",
    "destinations: { ops: { platform: console } }",
    "dingtalk: { clientId: id, clientSecret: s, robotCode: r, stream: '${DINGTALK_STREAM}' }",
  ].join("\n");
  const env = { PORT: "9090", CONCURRENCY: "4", DINGTALK_STREAM: "false" };

  it("converts a whole ${VAR} of a number or boolean key, and a ${VAR:-default}", () => {
    const c = parse(yaml, env);
    expect(c.server.port).toBe(9090);
    expect(c.server.bodyLimitBytes).toBe(65536);
    expect(c.worker.concurrency).toBe(4);
    expect(c.dingtalk?.stream).toBe(false);
  });

  it("also unquoted in YAML (a flow mapping's ${VAR} is a plain string scalar)", () => {
    expect(parse("server:\n  port: ${PORT}\n", { PORT: "8081" }).server.port).toBe(8081);
  });

  it("validates the converted value like a literal: ranges and integers", () => {
    expect(problems(yaml, { ...env, PORT: "70000" }).join("\n")).toMatch(/^server\.port: .*65535/m);
    expect(problems(yaml, { ...env, CONCURRENCY: "1.5" }).join("\n")).toMatch(
      /^worker\.concurrency: must be a whole number$/m,
    );
  });

  it("a value that is not a number or a boolean: one problem naming the key and the variable, not the value", () => {
    const p = problems(yaml, { ...env, PORT: "http-secret-ish", DINGTALK_STREAM: "yes-secret" });
    expect(p).toEqual([
      "server.port: environment variable PORT must be a number",
      "dingtalk.stream: environment variable DINGTALK_STREAM must be true or false",
    ]);
    expect(p.join("\n")).not.toContain("secret-ish");
  });

  it("an unset variable is reported once, by the interpolation", () => {
    const { PORT: _, ...rest } = env;
    expect(problems(yaml, rest)).toEqual(["server.port: environment variable PORT is not set"]);
  });

  it("converts nothing else: a literal quoted number stays an error, a digits-only token stays a string", () => {
    expect(problems("server: { port: '8080' }\n", {}).join("\n")).toMatch(
      /^server\.port: must be a number, not text$/m,
    );
    expect(problems("server: { port: 'p${PORT}' }\n", { PORT: "1" }).join("\n")).toMatch(/must be a number, not text/);
    const c = parse("ingest: { auth: { tokens: ['${TOKEN}'] } }\n", { TOKEN: "12345678901234567890" });
    expect(c.ingest.auth.tokens).toEqual(["12345678901234567890"]);
  });
});
