import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { SettledFacts } from "../../src/approvals/snapshot/fetch.js";
import { loadFullDiff } from "../../src/approvals/snapshot/full-diff.js";
import { ApprovalStore } from "../../src/approvals/store.js";
import { renderKey } from "../../src/approvals/types.js";
import { dwEvent } from "../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";

const unavailable: SettledFacts = { status: "unavailable", why: "Throttling" };
const run: SettledFacts = { status: "ok", facts: { kind: "run", run: { kind: "run", content: "SELECT 1;" } } };

/** Facts move loading → settled once, on real Redis; the whole diff lives beside the approval as long as it does. */
describe("approval store: facts are written once", () => {
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = testPrefix();
  const store = new ApprovalStore(redis, prefix, 3_600_000);
  afterEach(() => deleteKeys(prefix));
  afterAll(() => redis.disconnect());

  async function approval() {
    const e = dwEvent("dataworks:FileChange:CommitFile", "commit-file");
    const { id } = await store.create(e, { route: "prod", deadline: Date.now() + 60_000, timeoutOutcome: "FAIL" });
    return id;
  }

  it("loading, then settled once: a second settle and a late 'loading' change nothing", async () => {
    const id = await approval();
    expect(renderKey((await store.get(id))!)).toBe("pending.none");
    expect(await store.markFactsLoading(id)).toBe(true);
    expect((await store.get(id))?.facts).toEqual({ status: "loading" });
    expect(renderKey((await store.get(id))!)).toBe("pending.none.loading");
    expect(
      await store.setFacts(id, run, { highlights: [{ policy: "p", lines: [{ line: 1, text: "SELECT 1;" }] }] }),
    ).toBe(true);
    expect(await store.setFacts(id, unavailable)).toBe(false);
    expect(await store.markFactsLoading(id)).toBe(false);
    const a = (await store.get(id))!;
    expect(a.facts).toEqual(run);
    expect(a.highlights).toEqual([{ policy: "p", lines: [{ line: 1, text: "SELECT 1;" }] }]);
    expect(renderKey(a)).toBe("pending.none");
  });

  it("settled facts are never replaced by 'loading'; a gone approval takes nothing", async () => {
    const id = await approval();
    expect(await store.setFacts(id, unavailable)).toBe(true);
    expect(await store.markFactsLoading(id)).toBe(false);
    expect((await store.get(id))?.facts).toEqual(unavailable);
    expect(await store.setFacts("ZZZZZZZZZZZZZZZZZZZZZZ", run)).toBe(false);
  });

  it("the whole diff is kept with the approval's remaining lifetime, and read back whole", async () => {
    const id = await approval();
    const diff = `--- a\n+++ b\n${"+x\n".repeat(100_000)}`;
    await store.setFacts(id, run, { wholeDiff: diff });
    expect(await loadFullDiff(redis, prefix, id)).toBe(diff);
    const ttl = await redis.pttl(`${prefix}:approval-diff:${id}`);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    expect(await loadFullDiff(redis, prefix, "nope-nope-nope")).toBeUndefined();
  });
});
