import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMuteCheck, MUTES_READ_EVERY_MS } from "../../../src/commands/mute-check.js";
import { MuteStore } from "../../../src/commands/mutes.js";
import { WorkspaceNames } from "../../../src/commands/workspace-names.js";
import type { DwEvent } from "../../../src/core/event.js";
import { parseEnvelopes } from "../../../src/dataworks/envelope.js";
import { freshEvent } from "../../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";

const ev = (name: string, data: Record<string, unknown> = {}): DwEvent => {
  const raw = freshEvent(name);
  const parsed = parseEnvelopes({ ...raw, data: { ...(raw.data as object), ...data } });
  if (!parsed.ok) throw new Error(name);
  return parsed.events[0] as DwEvent;
};

describe("mute check (real Redis)", () => {
  const prefix = testPrefix();
  let redis: Redis;
  let now = Date.now();
  let store: MuteStore;
  let check: ReturnType<typeof createMuteCheck>;
  const by = { platform: "slack", userId: "U0LEAD" };

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
    store = new MuteStore(redis, prefix, () => now);
    check = createMuteCheck(store, new WorkspaceNames(redis, prefix, "cn-hangzhou"));
  });
  afterAll(async () => {
    redis.disconnect();
    await deleteKeys(prefix);
  });

  it("never mutes extension point events, even when the filter names them", async () => {
    const m = await store.add({ filter: { types: ["commit-file", "kill-instance"] }, by }, 60_000);
    expect(await check(ev("commit-file"))).toBeUndefined();
    expect((await check(ev("kill-instance")))?.id).toBe(m.id);
    expect((await store.counts([m.id])).get(m.id)).toBe(1);
    await store.remove(m.id);
    expect(await check(ev("kill-instance"))).toBeUndefined();
  });

  it("matches a workspace name known only from the enrichment cache", async () => {
    await redis.set(`${prefix}:enrich:cn-shanghai:project:91234`, JSON.stringify({ name: "sales_dw" }));
    const m = await store.add({ filter: { workspace: "sales_dw", statuses: ["failed"] }, by }, 60_000);
    expect((await check(ev("instance-status-changes", { status: 5, appId: 91234 })))?.id).toBe(m.id);
    expect(await check(ev("instance-status-changes", { status: 5, appId: 91235 }))).toBeUndefined();
    expect(await check(ev("instance-status-changes", { status: 6, appId: 91234 }))).toBeUndefined();
    await store.remove(m.id);
  });

  it("stops applying when the mute's time is up, on the store's clock, and drops it from the index", async () => {
    const m = await store.add({ filter: { types: ["kill-instance"] }, by }, 60_000);
    expect((await check(ev("kill-instance")))?.id).toBe(m.id);
    now += 60_001;
    expect(await check(ev("kill-instance"))).toBeUndefined();
    expect(await store.active()).toEqual([]);
    // The ended mute's id is cleared from the index by the next mute.
    const next = await store.add({ filter: { types: ["kill-instance"] }, by }, 1_000);
    expect(await redis.zrange(`${prefix}:mutes`, "0", "-1")).toEqual([next.id]);
  });

  it("reads the mutes at most once a second: set or lifted here applies at once, by another instance within that second", async () => {
    const other = new MuteStore(redis, prefix, () => now); // another instance's store, same Redis
    expect(await check(ev("dag-status-changes"))).toBeUndefined();
    const there = await other.add({ filter: { types: ["dag-status-changes"] }, by }, 60_000);
    expect(await check(ev("dag-status-changes"))).toBeUndefined(); // this instance read the mutes just now
    now += MUTES_READ_EVERY_MS;
    expect((await check(ev("dag-status-changes")))?.id).toBe(there.id);
    await other.remove(there.id);
    expect((await check(ev("dag-status-changes")))?.id).toBe(there.id);
    now += MUTES_READ_EVERY_MS;
    expect(await check(ev("dag-status-changes"))).toBeUndefined();
    const here = await store.add({ filter: { types: ["dag-status-changes"] }, by }, 60_000);
    expect((await check(ev("dag-status-changes")))?.id).toBe(here.id);
    await store.remove(here.id);
    expect(await check(ev("dag-status-changes"))).toBeUndefined();
  });
});
