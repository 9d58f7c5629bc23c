import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeCommand } from "../../../src/cli/route.js";
import { MuteStore } from "../../../src/commands/mutes.js";
import { failureKey } from "../../../src/incidents/track.js";
import { fixture } from "../../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";

/**
 * `dw-chatops route` explains the path the events worker takes, for every event of a file: approvals (policy,
 * approval route, unmatched), the notifications filter, mutes and recoveries read from a real Redis, and routes.
 */
const dir = mkdtempSync(join(tmpdir(), "dwc-route-"));
const prefix = testPrefix();
const redis = new Redis(TEST_REDIS_URL);

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const config = (redisUrl: string) =>
  write(
    `config-${redisUrl.replace(/\W/g, "")}.yaml`,
    [
      `redis: { url: "${redisUrl}", prefix: ${prefix} }`,
      "destinations:",
      "  ops: { platform: console }",
      "  dw: { platform: console, locale: zh-CN }",
      "routes:",
      "  - { name: failures, match: { type: [dataworks:InstanceStatusChanges:InstanceStatusChanges] }, destinations: [ops] }",
      "  - { name: files, match: { data: { fileName: [ods_order_detail_di] } }, destinations: [dw] }",
      "notifications: { instanceStatuses: [failed] }",
      "approvals:",
      "  groups: { leads: { slack: [U0LEAD1] } }",
      "  policies:",
      "    - { name: no-drops, match: { data: { fileName: [dim_dropped] } }, decide: block, message: Dropping is frozen }",
      "  routes:",
      "    - { name: prod, match: { data: { projectId: [91234] } }, destinations: [ops], approvers: { groups: [leads] }, timeout: 45m }",
      "",
    ].join("\n"),
  );

const commit = fixture("commit-file");
const failed = fixture("instance-status-changes");
const withData = (e: Record<string, unknown>, data: Record<string, unknown>) => ({
  ...e,
  data: { ...(e.data as object), ...data },
});
const nodeId = String((failed.data as { nodeId: unknown }).nodeId);

async function route(configFile: string, events: unknown): Promise<string> {
  let out = "";
  const code = await routeCommand({
    configPath: configFile,
    file: write(`events-${Math.random()}.json`, JSON.stringify(events)),
    out: (t) => {
      out += t;
    },
  });
  expect(code).toBe(0);
  return out;
}

/** The explanation of the n-th event (1-based) of a multi-event answer. */
const part = (out: string, n: number) => out.split(/^\[\d+\/\d+\] /m)[n] ?? "";

beforeAll(() => redis.ping());
afterAll(async () => {
  await deleteKeys(prefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe("dw-chatops route", () => {
  it("explains every event of a file, each by the path the bot takes", async () => {
    const out = await route(config(TEST_REDIS_URL), [
      commit,
      withData(commit, { fileName: "dim_dropped" }),
      withData(commit, { projectId: 1 }),
      failed,
      withData(failed, { status: 4 }),
    ]);
    expect(out.match(/^\[\d\/5\] /gm)).toHaveLength(5);
    // 1: an approval card through its route, not a notification.
    expect(part(out, 1)).toContain('=> sent to people through approval route "prod": cards to ops (console, en)');
    expect(part(out, 1)).toContain("who may decide: @leads; deadline 45m, then FAIL");
    expect(part(out, 1)).not.toContain("notified");
    // 2: decided by a policy, the decided card on the route's destinations.
    expect(part(out, 2)).toContain('approval: policy "no-drops" decides FAIL at once: "Dropping is frozen"');
    expect(part(out, 2)).toContain("=> decided by policy; the decided card goes to ops (console, en)");
    // 3: no approval route: approvals.unmatched answers, then it is routed as a notification.
    expect(part(out, 3)).toContain("approvals.unmatched answers OK");
    expect(part(out, 3)).toContain('route "files" -> dw (console, zh-CN)');
    expect(part(out, 3)).toContain("=> notified: dw (console, zh-CN)");
    // 4: a failure passes the filter and takes its route.
    expect(part(out, 4)).toContain(
      "notifications: passes: status 5 (failed) is in notifications.instanceStatuses [failed]",
    );
    expect(part(out, 4)).toContain("mutes: none applies");
    expect(part(out, 4)).toContain("=> notified: ops (console, en)");
    // 5: running is filtered, and says by which key.
    expect(part(out, 5)).toContain(
      "notifications: filtered: status 4 (running) is not in notifications.instanceStatuses",
    );
    expect(part(out, 5)).toContain("=> stored, not sent");
  });

  it("names who may decide as cards do first: enrich.userNames through approvals.users, else the id", async () => {
    const file = write(
      "config-names.yaml",
      [
        `redis: { url: "${TEST_REDIS_URL}", prefix: ${prefix} }`,
        "destinations: { ops: { platform: console } }",
        'enrich: { userNames: { "2001": "Alice Wang" } }',
        "approvals:",
        '  users: { "2001": { console: [alice] } }',
        "  routes:",
        "    - { name: prod, destinations: [ops], approvers: { users: { console: [alice, bob] } } }",
        "",
      ].join("\n"),
    );
    expect(await route(file, commit)).toContain("who may decide: console: Alice Wang, bob; deadline");
  });

  it("says which policies need DataWorks' snapshot (not fetched offline) and goes on without them", async () => {
    const file = write(
      "config-code.yaml",
      [
        `redis: { url: "${TEST_REDIS_URL}", prefix: ${prefix} }`,
        "destinations: { ops: { platform: console } }",
        "approvals:",
        "  policies:",
        '    - { name: no-drops, when: { codeMatches: "DROP\\\\s+TABLE" }, decide: block }',
        "  routes:",
        "    - { name: prod, destinations: [ops], approvers: { users: { console: [alice] } } }",
        "",
      ].join("\n"),
    );
    const out = await route(file, commit);
    expect(out).toContain(
      'approval: policy "no-drops" not evaluated here: its conditions on the snapshot need DataWorks (no code known: `route` does not ask DataWorks for the snapshot)',
    );
    expect(out).toContain('=> sent to people through approval route "prod"');
  });

  it("reads mutes from Redis: a muted event is stored, not sent, naming the mute", async () => {
    const mutes = new MuteStore(redis, prefix);
    const mute = await mutes.add(
      {
        filter: { types: ["instance-status-changes"] },
        by: { platform: "console", userId: "bob" },
        reason: "maintenance",
      },
      600_000,
    );
    try {
      const out = await route(config(TEST_REDIS_URL), failed);
      expect(out).toContain(`mutes: muted by ${mute.id} (type=instance-status-changes`);
      expect(out).toContain("maintenance");
      expect(out).toContain("=> stored, not sent");
      // Explaining does not count: the counter is for events the bot really silenced.
      expect(await redis.hgetall(`${prefix}:mute-count:${mute.id}`)).toEqual({});
    } finally {
      await redis.del(`${prefix}:mute:${mute.id}`, `${prefix}:mutes`);
    }
  });

  it("tells a recovery by the failure remembered in Redis, without claiming it", async () => {
    const success = withData(failed, { status: 6 });
    expect(await route(config(TEST_REDIS_URL), success)).toContain("notifications: filtered: status 6 (succeeded)");
    await redis.set(failureKey(prefix, nodeId), "x", "PX", 60_000);
    const out = await route(config(TEST_REDIS_URL), success);
    expect(out).toContain("notifications: passes: a recovery");
    expect(await redis.get(failureKey(prefix, nodeId))).toBe("x");
  });

  it("tells a running of the failed instance itself (its rerun) as an update of the failure's message", async () => {
    const running = withData(failed, { status: 4 });
    expect(await route(config(TEST_REDIS_URL), running)).toContain("notifications: filtered: status 4 (running)");
    // Another instance of the node failed: this running is not its story.
    await redis.set(failureKey(prefix, nodeId), "1", "PX", 60_000);
    expect(await route(config(TEST_REDIS_URL), running)).toContain("notifications: filtered: status 4 (running)");
    await redis.set(failureKey(prefix, nodeId), String((failed.data as Record<string, unknown>).taskId), "PX", 60_000);
    const out = await route(config(TEST_REDIS_URL), running);
    expect(out).toContain(
      "notifications: passes: a later status of a failed instance (it updates the failure's message)",
    );
    expect(await redis.exists(failureKey(prefix, nodeId))).toBe(1);
  });

  it("says what it could not check when Redis is unreachable, and explains the rest", async () => {
    const out = await route(config("redis://127.0.0.1:1"), [failed, withData(failed, { status: 6 })]);
    expect(part(out, 1)).toMatch(/mutes: not checked: Redis at 127\.0\.0\.1:1 is unreachable \(.+\)/);
    expect(part(out, 1)).toContain("=> notified: ops (console, en)");
    expect(part(out, 2)).toContain(
      `a recovery if node ${nodeId} failed within notifications.failureMemory; not checked`,
    );
  });

  it("names who a route mentions, a rotation by whoever is on call at that moment", async () => {
    const file = write(
      "config-rotation.yaml",
      [
        'redis: { url: "redis://127.0.0.1:1" }',
        "destinations: { ops: { platform: console } }",
        "rotations:",
        '  oncall: { shift: daily, handover: "09:00", timeZone: Asia/Shanghai, start: "2026-12-07", members: [{ slack: [U0ANN] }, { slack: [U0BOB], lark: [ou_bob] }] }',
        "approvals: { groups: { dba: { slack: [U0DBA] } }, routes: [{ name: prod, match: { data: { projectId: [91234] } }, destinations: [ops], approvers: { groups: [oncall] } }] }",
        "routes:",
        "  - { name: failures, destinations: [ops], mentions: { groups: [oncall, dba], users: { console: [eve] } }, escalate: { after: 15m, mention: { groups: [oncall], users: { slack: [U0LEAD] } }, repeat: 2, every: 10m } }",
        "",
      ].join("\n"),
    );
    const at = async (iso: string) => {
      let out = "";
      const code = await routeCommand({
        configPath: file,
        file: write(`events-${Math.random()}.json`, JSON.stringify(failed)),
        out: (t) => {
          out += t;
        },
        now: Date.parse(iso),
      });
      expect(code).toBe(0);
      return out;
    };
    expect(await at("2026-12-08T00:59:00Z")).toContain(
      "mentions on danger: console eve; @oncall (on call now: slack U0ANN); @dba",
    );
    expect(await at("2026-12-08T01:00:00Z")).toContain("@oncall (on call now: slack U0BOB, lark ou_bob); @dba");
    expect(await at("2026-12-08T01:00:00Z")).toContain(
      "escalates a failed instance nobody acknowledged: after 15m mentions @oncall (on call now: slack U0BOB, lark ou_bob); slack U0LEAD, then 2 more time(s) every 10m (an ack or a recovery stops it)",
    );
    expect(await at("2026-12-01T00:00:00Z")).toContain("@oncall (a rotation: nobody on call yet)");
    // An approval route's approvers: the rotation's member of that moment.
    let out = "";
    await routeCommand({
      configPath: file,
      file: write(`events-${Math.random()}.json`, JSON.stringify(commit)),
      out: (t) => {
        out += t;
      },
      now: Date.parse("2026-12-08T01:00:00Z"),
    });
    expect(out).toContain("who may decide: @oncall;");
    expect(out).toContain("    @oncall (on call now: slack U0BOB, lark ou_bob)");
  });
});
