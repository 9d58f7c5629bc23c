import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { MessageRefs } from "../../../src/state/message-refs.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";

/** Messages kept under a name (a node's failure) and marked on their way, as a recovery waits for them. */
describe("MessageRefs: keyed messages and their pending marks (real Redis)", () => {
  const prefix = testPrefix();
  const redis = new Redis(TEST_REDIS_URL);
  const refs = new MessageRefs(redis, prefix, 3_600);
  afterAll(async () => {
    redis.disconnect();
    await deleteKeys(prefix);
  });
  const ref = (destination: string) => ({ adapter: "slack", destination, ids: { channel: "C1", ts: "1.2" } });

  it("marks one message or several on their way, and saving one ends its mark", async () => {
    await refs.markPending([{ destination: "ops", name: "node.1" }]);
    await refs.markPending([
      { destination: "ops", name: "node.2" },
      { destination: "dev", name: "node.2" },
    ]);
    expect(await refs.awaiting("ops", "node.1")).toBe(true);
    expect(await refs.holdingKeyed(["ops", "dev", "qa"], "node.2")).toEqual(["ops", "dev"]);
    expect(await redis.ttl(`${prefix}:msgpending:ops:node.1`)).toBeGreaterThan(3_000);

    const event = { id: "e1", type: "instance-status-changes", data: {} } as never;
    await refs.saveKeyed("ops", "node.1", ref("ops"), event);
    expect(await refs.awaiting("ops", "node.1")).toBe(false);
    expect(await redis.exists(`${prefix}:msgpending:ops:node.1`)).toBe(0);
    expect(await refs.loadKeyed("ops", "node.1")).toEqual({ ref: ref("ops"), event });
    const ttl = await redis.ttl(`${prefix}:msgkey:ops:node.1`);
    expect(ttl).toBeGreaterThan(3_500);
    expect(ttl).toBeLessThanOrEqual(3_600);
    // Still held (saved now, not pending).
    expect(await refs.holdingKeyed(["ops"], "node.1")).toEqual(["ops"]);
  });
});
