/**
 * The approval-facts scenarios every chat platform runs end to end (test/integration/approval-facts-*.test.ts): a
 * real bot on real Redis, the platform's real SDK against its fake, the real DataWorks client against the fake
 * gateway seeded with snapshots. Each platform file says how to start its fake and how to find a card copy there.
 */
import { expect, it } from "vitest";
import { loadFullDiff, MAX_STORED_CODE } from "../../src/approvals/snapshot/full-diff.js";
import type { Approval } from "../../src/approvals/types.js";
import type { MessageRef } from "../../src/core/chat-adapter.js";
import { timeoutJobId } from "../../src/jobs/queues.js";
import type { FakeDataWorks } from "../fakes/dataworks-api.js";
import type { TestBot } from "./bot.js";
import { FILE, PROJECT, seedCommit, V5, V6 } from "./dataworks-seeds.js";
import { freshEvent } from "./fixtures.js";
import { sleep, waitFor } from "./wait.js";

/** How long the card waits for the snapshot in these bots (approvals.snapshot.budget). */
export const FACTS_BUDGET = "1500ms";
/** How late a slow snapshot comes: well past the budget, well within the test's patience. */
const SLOW_MS = 3500;

/**
 * The approvals part of a facts bot's config: one route to `destinations`, a policy that blocks drops and one that
 * asks people about overwrites.
 */
export function factsApprovals(destinations: string[], approvers: Record<string, string[]>) {
  return {
    deliveryBackoff: "50ms",
    snapshot: { budget: FACTS_BUDGET },
    policies: [
      {
        name: "no drops",
        match: { data: { eventCode: ["commit-file", "deploy-file"] } },
        when: { codeMatches: "DROP\\s+TABLE|TRUNCATE" },
        decide: "block",
      },
      {
        name: "overwrites",
        match: { data: { eventCode: ["commit-file", "deploy-file"] } },
        when: { codeMatches: "INSERT\\s+OVERWRITE" },
        decide: "ask",
      },
    ],
    routes: [{ name: "prod", destinations, approvers: { users: approvers }, timeout: "30m" }],
  };
}

/** The DataWorks part: the fake gateway, and no extension binding check (not what these tests are about). */
export const factsDataWorks = (dw: FakeDataWorks, ak: string, secret: string, extensionCode: string) => ({
  ...dw.botConfig({ accessKeyId: ak, accessKeySecret: secret, extensionCode }),
  bindings: { check: false },
});

/** A fresh event about the seeded file (dataworks-seeds.ts). */
export function seededEvent(code: string): Record<string, unknown> {
  const raw = freshEvent(code);
  return { ...raw, data: { ...(raw.data as object), projectId: PROJECT, fileId: FILE } };
}

export interface CardCopy {
  /** Times the platform was asked to edit it. */
  updates: number;
  /** What the platform holds for it, as JSON (blocks, card, card parameters). */
  body: string;
}

export interface FactsPlatform {
  bot: () => TestBot;
  dw: () => FakeDataWorks;
  /** How many destinations the route posts to. */
  copies: number;
  /** The platform's copy of a posted card, found by its ref. */
  copyOf: (ref: MessageRef) => CardCopy | undefined;
}

/** Registers the scenarios as `it` blocks in the calling describe. */
export function factsScenarios(p: FactsPlatform) {
  const store = () => p.bot().runtime.approvalStore;

  async function send(ev: Record<string, unknown>) {
    expect((await p.bot().post(ev)).status).toBe(202);
    return waitFor(() => store().idForEvent({ source: "acs.dataworks", id: String(ev.id) }), "the approval");
  }

  /** The approval once every copy of its card is on the platform. */
  async function posted(id: string): Promise<{ a: Approval; copies: CardCopy[] }> {
    return waitFor(async () => {
      const a = await store().get(id);
      const copies = (a?.cards ?? []).flatMap((r) => p.copyOf(r) ?? []);
      return a && copies.length === p.copies ? { a, copies } : undefined;
    }, "every copy of the card");
  }

  async function drained() {
    await waitFor(async () => {
      const queues = p.bot().runtime.queues;
      const counts = await Promise.all(
        [queues.deliveries, queues.approvals].map((q) => q.getJobCounts("active", "waiting", "prioritized")),
      );
      return counts.every((c) => Object.values(c).every((n) => n === 0));
    }, "the queues drained");
    await sleep(300);
  }

  it("a commit: the diff against the previous version is stored before the card goes out", async () => {
    const ev = seededEvent("commit-file");
    seedCommit(p.dw(), String(ev.id));
    const id = await send(ev);
    const { a } = await posted(id);
    expect(a.facts).toMatchObject({
      status: "ok",
      facts: {
        kind: "file",
        base: { version: 6, source: "previous" },
        diff: { added: 2, removed: 1, summary: "+2 \u22121" },
        file: { fileName: "ods_order_detail_di", comment: "filter out refunds" },
      },
    });
    await drained();
    // Rendered once with its facts: no copy needed an update to show them.
    const copies = (await store().get(id))!.cards.map((r) => p.copyOf(r)!);
    expect(copies.map((c) => c.updates)).toEqual(copies.map(() => 0));
    // What reached the platform: the summary, the added line, the commit message (en and zh-CN copies alike).
    for (const c of copies) {
      expect(c.body).toContain("2 \u22121"); // "+" may come escaped (Lark markdown)
      expect(c.body).toContain("AND amount");
      expect(c.body).toContain("filter out refunds");
    }
    const whole = await loadFullDiff(p.bot().runtime.redis, p.bot().prefix, id);
    expect(whole).toContain("+  AND amount > 0;");
    expect(whole).toContain("--- ods_order_detail_di\tversion 6 (previous)");
  });

  it("a deploy: compared with the version in production", async () => {
    const ev = seededEvent("deploy-file");
    seedCommit(p.dw(), String(ev.id));
    const id = await send(ev);
    const { a } = await posted(id);
    expect(a.facts).toMatchObject({
      status: "ok",
      facts: { kind: "file", base: { version: 5, source: "production" }, diff: { summary: "+3 \u22122" } },
    });
    expect(a.facts?.status === "ok" && a.facts.facts.kind === "file" && a.facts.facts.baseContent).toBe(V5);
    for (const r of a.cards) expect(p.copyOf(r)!.body).toContain("3 \u22122");
  });

  it("a huge file: the stored approval stays small, the whole diff is kept beside it", async () => {
    const ev = seededEvent("commit-file");
    const huge = Array.from({ length: 6000 }, (_, i) => `SELECT ${i} AS c${i}, 'padding padding' FROM dual;`).join(
      "\n",
    );
    seedCommit(p.dw(), String(ev.id), `${V6}${huge}\n`);
    const id = await send(ev);
    const { a } = await posted(id);
    const stored = await p.bot().runtime.redis.hget(`${p.bot().prefix}:approval:${id}`, "facts");
    expect(huge.length).toBeGreaterThan(250_000);
    expect(stored!.length).toBeLessThan(2 * MAX_STORED_CODE + 10_000);
    expect(a.facts).toMatchObject({
      status: "ok",
      facts: { diff: { added: 6000, removed: 0, truncated: true }, clipped: true },
    });
    for (const r of a.cards) {
      const body = p.copyOf(r)!.body;
      expect(body).toContain("6000 \u22120");
      expect(body).toContain("SELECT 0 AS c0");
      expect(body).not.toContain("SELECT 5999 AS c5999");
    }
    const whole = await loadFullDiff(p.bot().runtime.redis, p.bot().prefix, id);
    expect(whole).toContain("+SELECT 5999 AS c5999, 'padding padding' FROM dual;");
    // It lives as long as the approval.
    const ttl = await p.bot().runtime.redis.pttl(`${p.bot().prefix}:approval-diff:${id}`);
    const approvalTtl = await p.bot().runtime.redis.pttl(`${p.bot().prefix}:approval:${id}`);
    expect(ttl).toBeGreaterThan(0);
    expect(Math.abs(approvalTtl - ttl)).toBeLessThan(60_000);
    // The lookup cache does not keep the whole code for days beside it.
    const cached = await p.bot().runtime.redis.keys(`${p.bot().prefix}:enrich:*snapshot:*${String(ev.id)}`);
    expect(cached).toHaveLength(1);
    const cacheTtl = await p.bot().runtime.redis.pttl(cached[0]!);
    expect(cacheTtl).toBeGreaterThan(0);
    expect(cacheTtl).toBeLessThanOrEqual(3_600_000);
  });

  it("a dangerous statement: the policy blocks it, DataWorks gets FAIL once naming the line, no card asks", async () => {
    const ev = seededEvent("commit-file");
    seedCommit(p.dw(), String(ev.id), `${V6}DROP TABLE ods_order_backup;\n`);
    const id = await send(ev);
    await waitFor(() => p.dw().decisions.get(String(ev.id)), "DataWorks' decision");
    await drained();
    const decision = p.dw().decisions.get(String(ev.id))!;
    expect(decision.checkResult).toBe("FAIL");
    expect(decision.tip).toContain('Blocked by policy "no drops": line 4 DROP TABLE ods_order_backup;');
    const answers = p
      .dw()
      .callsOf("UpdateIDEEventResult")
      .filter((c) => c.params.MessageId === String(ev.id));
    expect(answers).toHaveLength(1);
    const a = (await store().get(id))!;
    expect(a).toMatchObject({ state: "blocked", decision: { by: { kind: "policy", policy: "no drops" } } });
    // Never opened to people: no click or command could decide it, and no copy offers the buttons.
    expect(a.awaitingPolicies).toBe(true);
    for (const r of a.cards) expect(p.copyOf(r)?.body ?? "").not.toContain("approval.approve");
  });

  it("a risky statement: the ask policy leaves the matching lines on the approval for the card", async () => {
    const ev = seededEvent("commit-file");
    seedCommit(p.dw(), String(ev.id), `${V6}INSERT OVERWRITE TABLE ods_order SELECT * FROM tmp;\n`);
    const id = await send(ev);
    const { a } = await posted(id);
    expect(a.state).toBe("pending");
    expect(a.awaitingPolicies).toBeFalsy();
    expect(a.highlights).toEqual([
      { policy: "overwrites", lines: [{ line: 4, text: "INSERT OVERWRITE TABLE ods_order SELECT * FROM tmp;" }] },
    ]);
    expect(a.facts).toMatchObject({ status: "ok", facts: { diff: { added: 1, removed: 0 } } });
    expect(p.dw().decisions.has(String(ev.id))).toBe(false);
    for (const r of a.cards) expect(p.copyOf(r)!.body).toContain("INSERT OVERWRITE TABLE ods_order");
  });

  it("a slow snapshot: the card goes out saying loading, then each copy is updated once with the facts", async () => {
    const ev = seededEvent("commit-file");
    seedCommit(p.dw(), String(ev.id));
    p.dw().script.push({ action: "GetIDEEventDetail", answer: { delayMs: SLOW_MS } });
    const t0 = Date.now();
    const id = await send(ev);
    const first = await posted(id);
    expect(Date.now() - t0).toBeLessThan(SLOW_MS);
    expect(first.a.facts).toEqual({ status: "loading" });
    expect(first.copies.map((c) => c.updates)).toEqual(first.copies.map(() => 0));
    for (const c of first.copies) expect(c.body).not.toContain("AND amount");
    expect(first.copies.some((c) => c.body.includes("Loading the details"))).toBe(true);
    const settled = await waitFor(async () => {
      const a = await store().get(id);
      return a?.facts?.status === "ok" ? a : undefined;
    }, "the late facts");
    expect(settled.facts).toMatchObject({ facts: { diff: { summary: "+2 \u22121" } } });
    await waitFor(() => settled.cards.every((r) => (p.copyOf(r)?.updates ?? 0) >= 1), "every copy updated");
    await drained();
    await sleep(500);
    expect(settled.cards.map((r) => p.copyOf(r)!.updates)).toEqual(settled.cards.map(() => 1));
    for (const r of settled.cards) {
      expect(p.copyOf(r)!.body).toContain("AND amount");
      expect(p.copyOf(r)!.body).not.toContain("Loading the details");
    }
    expect((await store().get(id))?.state).toBe("pending");
  });

  it("a slow snapshot with a risky statement: the late facts bring the ask policy's highlight to each copy, nothing decided", async () => {
    const ev = seededEvent("commit-file");
    seedCommit(p.dw(), String(ev.id), `${V6}INSERT OVERWRITE TABLE ods_order SELECT * FROM tmp;\n`);
    p.dw().script.push({ action: "GetIDEEventDetail", answer: { delayMs: SLOW_MS } });
    const id = await send(ev);
    const first = await posted(id);
    expect(first.a.facts).toEqual({ status: "loading" });
    expect(first.a.highlights).toBeUndefined();
    const settled = await waitFor(async () => {
      const a = await store().get(id);
      return a?.facts?.status === "ok" ? a : undefined;
    }, "the late facts");
    expect(settled.highlights).toEqual([
      { policy: "overwrites", lines: [{ line: 4, text: "INSERT OVERWRITE TABLE ods_order SELECT * FROM tmp;" }] },
    ]);
    await waitFor(() => settled.cards.every((r) => (p.copyOf(r)?.updates ?? 0) >= 1), "every copy updated");
    for (const r of settled.cards) {
      const body = p.copyOf(r)!.body;
      expect(body).toContain("overwrites"); // the flagged section names its policy
      expect(body).toContain("INSERT OVERWRITE TABLE ods_order");
    }
    expect((await store().get(id))?.state).toBe("pending");
    expect(p.dw().decisions.has(String(ev.id))).toBe(false);
  });

  it("DataWorks failing (429, then 500): the card is still posted, the facts say why, the deadline stands", async () => {
    for (const answer of [{ throttle: true as const }, { status: 500 }]) {
      const ev = seededEvent("commit-file");
      seedCommit(p.dw(), String(ev.id));
      p.dw().script.push({ action: "GetIDEEventDetail", answer });
      const id = await send(ev);
      const { a } = await posted(id);
      expect(a.facts).toMatchObject({ status: "unavailable", why: expect.any(String) });
      expect(a.cards.some((r) => p.copyOf(r)!.body.includes("Details unavailable"))).toBe(true);
      expect(a.state).toBe("pending");
      const deadline = await p.bot().runtime.queues.approvals.getJob(timeoutJobId(id));
      expect(await deadline?.getState()).toBe("delayed");
      expect(a.deadline - a.createdAt).toBe(30 * 60_000);
    }
  });
}
