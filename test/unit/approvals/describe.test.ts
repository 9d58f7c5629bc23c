import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  approverLines,
  approverList,
  decidedBy,
  describeDecision,
  whoDecided,
} from "../../../src/approvals/describe.js";
import { ApprovalStore } from "../../../src/approvals/store.js";
import type { Decider, Decision } from "../../../src/approvals/types.js";
import type { ApprovalRouteConfig } from "../../../src/config/sections/approvals.js";
import type { DwEvent } from "../../../src/core/event.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";

// Shows the key and its parameters, so each assertion says which sentence was chosen and with what.
const t = (key: string, p: Record<string, unknown> = {}) =>
  Object.keys(p).length ? `${key}${JSON.stringify(p)}` : key;

const alice: Decider = { kind: "human", platform: "slack", userId: "U0ALICE", name: "Alice" };

describe("who decided, in words", () => {
  it("names a person by display name, else by id; with their platform where asked", () => {
    expect(whoDecided(alice)).toBe("Alice");
    expect(whoDecided(alice, { platform: true })).toBe("Alice (slack)");
    const noName: Decider = { kind: "human", platform: "lark", userId: "ou_bob" };
    expect(whoDecided(noName, { platform: true })).toBe("ou_bob (lark)");
  });

  it("says policy, deadline and no route in plain words, or in the caller's", () => {
    const words = { policy: "策略", timeout: "超时", unmatched: "无审批路由" };
    expect(whoDecided({ kind: "policy", policy: "freeze" })).toBe("policy freeze");
    expect(whoDecided({ kind: "policy", policy: "freeze" }, { words })).toBe("策略 freeze");
    expect(whoDecided({ kind: "timeout" })).toBe("timeout");
    expect(whoDecided({ kind: "timeout" }, { platform: true, words })).toBe("超时");
    expect(whoDecided({ kind: "unmatched" }, { words })).toBe("无审批路由");
  });

  it("finds a decider by any name it answers to, case-insensitively", () => {
    expect(decidedBy(alice, "alice")).toBe(true);
    expect(decidedBy(alice, "u0alice")).toBe(true);
    expect(decidedBy(alice, "human")).toBe(false);
    expect(decidedBy({ kind: "policy", policy: "Freeze" }, "freeze")).toBe(true);
    expect(decidedBy({ kind: "policy", policy: "freeze" }, "policy")).toBe(true);
    expect(decidedBy({ kind: "timeout" }, "TIMEOUT")).toBe(true);
    expect(decidedBy({ kind: "timeout" }, "freeze")).toBe(false);
  });

  it("states a decision with one sentence per kind, a person's reason on its own line", () => {
    const at = Date.UTC(2026, 11, 7, 2, 0);
    const d = (by: Decider, reason?: string): Decision => ({ result: "FAIL", by, at, ...(reason ? { reason } : {}) });
    expect(describeDecision(d(alice, "not in the freeze"), t, "UTC")).toBe(
      'approval.decidedBy{"outcome":"approval.outcome.FAIL","who":"Alice","time":"2026-12-07 02:00:00 (UTC+00:00)"}\napproval.reason: not in the freeze',
    );
    expect(describeDecision(d({ kind: "policy", policy: "freeze" }, "frozen"), t, "UTC")).toBe(
      'approval.decidedByPolicy{"outcome":"approval.outcome.FAIL","policy":"freeze","time":"2026-12-07 02:00:00 (UTC+00:00)"}',
    );
    expect(describeDecision(d({ kind: "timeout" }), t, "UTC")).toMatch(/^approval\.decidedByTimeout\{/);
    expect(describeDecision(d({ kind: "unmatched" }), t, "UTC")).toMatch(/^approval\.decidedUnmatched\{/);
  });
});

describe("who may decide, in words", () => {
  const route = (users: ApprovalRouteConfig["approvers"]["users"], groups: string[] = []) =>
    ({ approvers: { users, groups } }) as unknown as ApprovalRouteConfig;
  const none = { slack: [], lark: [], dingtalk: [], console: [] };

  it("lists groups as @name, then ids per platform, * as anyone", () => {
    expect(approverList(route({ ...none, slack: ["U1", "U2"], lark: ["*"] }, ["dba"]), t)).toBe(
      "@dba; slack: U1, U2; lark: approval.anyone",
    );
  });

  it("lists everyone line by line for the status page, each * as anyone", () => {
    expect(approverLines(["dba"], { slack: ["U1", "*"], console: ["bob"] }, "anyone")).toEqual([
      "@dba",
      "slack: U1, anyone",
      "console: bob",
    ]);
    expect(approverLines([], {}, "anyone")).toEqual([]);
  });

  it("says just anyone for a route open to anyone on its one platform, and - for nobody", () => {
    expect(approverList(route({ ...none, console: ["*"] }), t)).toBe("approval.anyone");
    expect(approverList(route(none), t)).toBe("-");
  });
});

describe("decisions stored by earlier releases still read", () => {
  const prefix = testPrefix();
  const redis = new Redis(TEST_REDIS_URL);
  afterAll(async () => {
    redis.disconnect();
    await deleteKeys(prefix);
  });

  it("reads a person's decision recorded before display names, from the approval and the audit stream", async () => {
    const store = new ApprovalStore(redis, prefix);
    const event = { source: "acs.dataworks", id: "ev-1", type: "t", eventCode: "c", data: {} } as unknown as DwEvent;
    const { id } = await store.create(event, { route: "r", deadline: Date.now() + 60_000, timeoutOutcome: "FAIL" });
    // Exactly as the release before display names wrote them (no "name").
    const stored = '{"result":"OK","by":{"kind":"human","platform":"slack","userId":"U0ALICE"},"at":1765000000000}';
    await redis.hset(`${prefix}:approval:${id}`, "state", "approved", "decision", stored);
    await redis.xadd(`${prefix}:audit`, "*", "kind", "decision", "approvalId", id, "decision", stored);
    await redis.xadd(
      `${prefix}:audit`,
      "*",
      "kind",
      "decision",
      "approvalId",
      id,
      "decision",
      '{"result":"FAIL","by":{"kind":"policy","policy":"freeze"},"at":1765000000001,"reason":"frozen"}',
    );

    const by = (await store.get(id))?.decision?.by;
    expect(by && whoDecided(by, { platform: true })).toBe("U0ALICE (slack)");
    const audit = await store.auditLog(10);
    expect(audit.map((e) => e.decision && whoDecided(e.decision.by, { platform: true }))).toEqual([
      "policy freeze",
      "U0ALICE (slack)",
    ]);
    expect(audit.filter((e) => e.decision && decidedBy(e.decision.by, "U0ALICE")).length).toBe(1);
  });
});
