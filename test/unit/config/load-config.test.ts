import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../../src/config/load-config.js";
import { ConfigError } from "../../../src/core/errors.js";

/** Where the config comes from: --config, then DW_CHATOPS_CONFIG, then ./dw-chatops.yaml, then local defaults. */
describe("loadConfig: which file", () => {
  const dir = mkdtempSync(join(tmpdir(), "dwc-load-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, yaml: string) => {
    const p = join(dir, name);
    writeFileSync(p, yaml);
    return p;
  };
  const a = file("a.yaml", "redis: { prefix: from-a }\n");
  const b = file("b.yaml", "redis: { prefix: from-b }\n");

  it("--config wins over DW_CHATOPS_CONFIG", () => {
    const r = loadConfig({ path: a, env: { DW_CHATOPS_CONFIG: b } });
    expect([r.path, r.config.redis.prefix]).toEqual([a, "from-a"]);
    expect(loadConfig({ env: { DW_CHATOPS_CONFIG: b } }).config.redis.prefix).toBe("from-b");
  });

  it("replaces an unpaired surrogate escape with U+FFFD: config text reaches chat well formed", () => {
    const yaml = [
      "destinations: { ops: { platform: console } }",
      "approvals:",
      '  routes: [{ name: r, destinations: [ops], approvers: { groups: [] }, blockReasons: ["frozen\\ud800"] }]',
    ].join("\n");
    const { config } = loadConfig({ path: file("lone.yaml", yaml), env: {} });
    expect(config.approvals.routes[0]?.blockReasons).toEqual(["frozen\ufffd"]);
  });

  it("an empty DW_CHATOPS_CONFIG counts as unset (not the current directory)", () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = loadConfig({ env: { DW_CHATOPS_CONFIG: "" } });
      expect(r.path).toBeUndefined();
      expect(Object.keys(r.config.destinations)).toEqual(["console"]);
    } finally {
      process.chdir(cwd);
    }
  });

  it("a named file that does not exist is an error, never the local defaults", () => {
    expect(() => loadConfig({ env: { DW_CHATOPS_CONFIG: join(dir, "missing.yaml") } })).toThrow(
      /config file not found/,
    );
    expect(() => loadConfig({ path: join(dir, "missing.yaml"), env: {} })).toThrow(ConfigError);
  });

  it("REDIS_URL fills redis.url when the file leaves it unset; the file's value wins", () => {
    const env = { REDIS_URL: "redis://10.0.0.9:6379" };
    expect(loadConfig({ path: a, env }).config.redis.url).toBe("redis://10.0.0.9:6379");
    const withUrl = file("c.yaml", "redis: { url: 'redis://127.0.0.1:6390' }\n");
    expect(loadConfig({ path: withUrl, env }).config.redis.url).toBe("redis://127.0.0.1:6390");
  });
});

describe("parseConfig: signature-only ingest", () => {
  const withAuth = (ingest: Record<string, unknown>) => () =>
    parseConfig({ destinations: { c: { platform: "console" } }, ingest }, {});

  it("refuses EventBridge signatures as the only check unless accountIds names the accounts", () => {
    let err: unknown;
    try {
      withAuth({ auth: { signature: { enabled: true } } })();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(/^ingest\.accountIds: with only EventBridge/),
    ]);
    expect(withAuth({ accountIds: ["1234567890981234"], auth: { signature: { enabled: true } } })).not.toThrow();
    expect(withAuth({ auth: { tokens: ["a-token-of-16-chars"], signature: { enabled: true } } })).not.toThrow();
  });

  it("commands.channels: a name that is neither a destination nor a channel id is an error, not a silent id", () => {
    const withChannels = (channels: string[]) => () =>
      parseConfig({ destinations: { ops: { platform: "console" } }, commands: { channels } }, {});
    expect(withChannels(["ops", "C0123ABCD", "G01PRIVATE", "oc_1a2b3c", "cidAbC+/9=="])).not.toThrow();
    let err: unknown;
    try {
      withChannels(["ops", "opps"])();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringMatching(/^commands\.channels\[1\]: "opps" is neither a destination nor a channel id/),
    ]);
  });
});

describe("parseConfig: rotations", () => {
  const problems = (extra: Record<string, unknown>): readonly string[] => {
    try {
      parseConfig({ destinations: { ops: { platform: "console" } }, ...extra }, {});
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };
  const rotations = { oncall: { members: [{ slack: ["U0ANN"] }], start: "2026-12-07" } };

  it("a rotation's name stands wherever a group's does; a name used by both is refused", () => {
    expect(
      problems({
        rotations,
        routes: [{ destinations: ["ops"], mentions: { groups: ["oncall"] } }],
        approvals: { routes: [{ name: "r", destinations: ["ops"], approvers: { groups: ["oncall"] } }] },
        commands: { roles: { mute: { groups: ["oncall"] } } },
      }),
    ).toEqual([]);
    expect(problems({ rotations, approvals: { groups: { oncall: { slack: ["U0X"] } } } })).toEqual([
      "rotations.oncall: also the name of a group under approvals.groups; give one of them another name",
    ]);
    expect(problems({ routes: [{ destinations: ["ops"], mentions: { groups: ["oncall"] } }] })).toEqual([
      'routes[0].mentions.groups: unknown group "oncall" (define it under approvals.groups or rotations)',
    ]);
  });

  it("a bad rotation is reported by its key path", () => {
    expect(
      problems({ rotations: { oncall: { members: [{ slack: ["U0ANN"] }], start: "2026-12-08", handoverDay: "mon" } } }),
    ).toEqual([
      "rotations.oncall.start: 2026-12-08 is a tue, but handoverDay is mon: the first shift starts on a hand-over day",
    ]);
  });
});
