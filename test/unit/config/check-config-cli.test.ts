import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

/**
 * `dw-chatops check-config` as a user runs it (the CLI in a child process): the example passes with its
 * variables set; an invalid file lists every problem on its own line by key path, exits 1, and prints no
 * secret value from the file or the environment.
 */
const ROOT = join(import.meta.dirname, "..", "..", "..");
const dir = mkdtempSync(join(tmpdir(), "dwc-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function checkConfig(
  file: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // Only what node needs from the parent; no DW_CHATOPS_CONFIG or REDIS_URL leaks in.
  const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? dir };
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "check-config", "--config", file],
    { cwd: ROOT, env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr.on("data", (b: Buffer) => {
    stderr += b.toString();
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
}

/** `${NAME}` as written in a config file. */
const ref = (name: string) => `\${${name}}`;

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe.concurrent("dw-chatops check-config", () => {
  it("passes dw-chatops.example.yaml with its variables set to dummy values, printing none of them", async () => {
    const example = join(ROOT, "dw-chatops.example.yaml");
    const text = readFileSync(example, "utf8");
    const names = new Set(
      JSON.stringify(parseYaml(text))
        .match(/\$\{[A-Z0-9_]+\}/g)
        ?.map((m) => m.slice(2, -1)),
    );
    const env = Object.fromEntries(
      [...names].map((n) => [
        n,
        n === "REDIS_URL"
          ? "redis://127.0.0.1:6379"
          : n.endsWith("_URL")
            ? `https://example.invalid/${n.toLowerCase()}`
            : `dummy-value-${n.toLowerCase()}`,
      ]),
    );
    const r = await checkConfig(example, env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^config OK: .*dw-chatops\.example\.yaml\n/);
    expect(r.stdout).toMatch(
      /destinations: data-platform \(slack\), .*sales-oncall \(lark\), .*security-review \(dingtalk\)/,
    );
    expect(r.stdout).toMatch(/templates: \d+ event templates \+ fallback/);
    for (const v of Object.values(env)) expect(r.stdout).not.toContain(v);
  });

  it("lists every problem in one pass (variables, schema, cross-checks), each once, in words, and leaks no secret", async () => {
    const file = write(
      "schema-problems.yaml",
      [
        "server: { port: http }",
        `slack: { token: xoxb-LITERAL-SECRET-0123, signingSecret: '${ref("SLACK_SIGNING_SECRET")}' }`,
        `ingest: { auth: { tokens: ['${ref("INGEST_TOKEN")}'], signature: { required: true } } }`,
        "outbox: { digest: { interval: soon } }",
        "approvals: { routes: [{ name: prod, destinations: [ops], approvers: {}, timeoutOutcome: MAYBE }] }",
        "destinations:",
        "  ops: { platform: slack }",
        `  hook: { platform: lark, webhook: '${ref("LARK_WEBHOOK")}' }`,
        "  log: { platform: console }",
        "routes: [{ destinations: [log, nowhere, hook] }, { destinations: [] }, { destinations: [ops, gone] }]",
        "worker: { concurrency: 0 }",
        "routez: []",
        "",
      ].join("\n"),
    );
    const r = await checkConfig(file, { SLACK_SIGNING_SECRET: "" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const problems = r.stderr
      .split("\n")
      .filter((l) => l.startsWith("  - "))
      .map((l) => l.slice(4));
    expect(r.stderr.split("\n")[0]).toBe("invalid configuration:");
    expect(problems).toEqual([
      // Each unset variable once: not again as "must not be empty", nor as "set exactly one of chatId or webhook".
      // Set but empty (SLACK_SIGNING_SECRET="") is said as such: "not set" would send the reader to look for a typo.
      "slack.signingSecret: environment variable SLACK_SIGNING_SECRET is set but empty",
      "ingest.auth.tokens[0]: environment variable INGEST_TOKEN is not set",
      "destinations.hook.webhook: environment variable LARK_WEBHOOK is not set",
      // Schema problems in words, by key path written as the docs write it.
      "server.port: must be a number, not text",
      "ingest.auth.signature.required: required needs enabled: true",
      "destinations.ops.channel: is required",
      "routes[1].destinations: must list at least one",
      'outbox.digest.interval: not a duration: "soon" (write e.g. "30s", "15m", "24h")',
      'approvals.routes[0].timeoutOutcome: must be one of "OK", "FAIL", "WARN"',
      "worker.concurrency: must be at least 1",
      "routez: unknown key (a typo? every key is in docs/configuration.md)",
      // Cross-checks in the same pass; a destination with a problem of its own is not "unknown" too.
      'routes[0].destinations: unknown destination "nowhere"',
      'routes[2].destinations: unknown destination "gone"',
    ]);
    expect(r.stderr).not.toContain("xoxb-LITERAL-SECRET-0123");
    expect(r.stderr).not.toMatch(/Too small|Invalid input|Invalid option|expected/);
  });

  it("says who is on call now in each rotation", async () => {
    const file = write(
      "rotations.yaml",
      [
        "destinations: { ops: { platform: console } }",
        "rotations:",
        '  primary: { shift: weekly, handover: "10:00", start: "2026-01-05", members: [{ slack: [U0ANN] }, { slack: [U0BOB], lark: [ou_bob] }] }',
        '  later: { shift: daily, timeZone: Europe/Berlin, start: "2999-01-01", members: [{ console: [eve] }] }',
        "",
      ].join("\n"),
    );
    const r = await checkConfig(file, {});
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^ {2}rotation primary \(weekly, mon 10:00 Asia\/Shanghai\): member [12] of 2 \((slack U0ANN|slack U0BOB, lark ou_bob)\) until \d{4}-\d\d-\d\d 10:00:00 \(UTC\+08:00\)$/m,
    );
    expect(r.stdout).toContain(
      "  rotation later (daily, 09:00 Europe/Berlin): nobody on call before 2999-01-01 09:00:00 (UTC+01:00)",
    );
  });

  it("lists every cross-check problem by key path and exits 1", async () => {
    const file = write(
      "cross-problems.yaml",
      [
        `dataworks: { accessKeyId: '${ref("AK")}', accessKeySecret: '${ref("SK")}' }`,
        `lark: { appId: cli_test, appSecret: '${ref("LARK_APP_SECRET")}' }`,
        "destinations:",
        "  oncall: { platform: lark, chatId: oc_test }",
        `  robot: { platform: dingtalk, accessToken: '${ref("DING_TOKEN")}' }`,
        "  ops: { platform: slack, channel: C0123 }",
        "routes: [{ match: { tpye: [x] }, destinations: [ops, nowhere] }]",
        "approvals:",
        "  routes: [{ name: prod, destinations: [oncall, robot], approvers: { groups: [leads] } }]",
        "commands: { roles: { mute: { groups: [admins] } } }",
        "defaultDestinations: [missing]",
        "",
      ].join("\n"),
    );
    const secrets = {
      AK: "ak-dummy-0123",
      SK: "sk-dummy-4567",
      LARK_APP_SECRET: "lark-dummy",
      DING_TOKEN: "ding-dummy",
    };
    const r = await checkConfig(file, secrets);
    expect(r.code).toBe(1);
    const problems = r.stderr
      .split("\n")
      .filter((l) => l.startsWith("  - "))
      .map((l) => l.slice(4));
    expect(problems).toEqual([
      'routes[0].destinations: unknown destination "nowhere"',
      expect.stringMatching(/^routes\[0\]\.match: tpye: not an event attribute/),
      'approvals.routes[0].approvers.groups: unknown group "leads" (define it under approvals.groups or rotations)',
      'lark.encryptKey: approvals on Lark ("oncall") over HTTP callbacks need the app\'s Encrypt Key, so they can be verified (or use transport: ws)',
      expect.stringMatching(/^approvals\.routes\[0\]\.destinations: "robot" is a DingTalk custom robot/),
      "dataworks.extensionCode: approvals need your extension's code (Open Platform → Extensions)",
      'commands.roles.mute.groups: unknown group "admins" (define it under approvals.groups or rotations)',
      'defaultDestinations: unknown destination "missing"',
      "destinations.ops: platform slack needs the slack section (token)",
    ]);
    for (const v of Object.values(secrets)) expect(r.stderr).not.toContain(v);
  });
});
