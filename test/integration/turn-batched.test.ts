/**
 * A turn-batched connection (src/redis/turn-batched.ts) on the real Redis: the commands of one event-loop turn
 * leave in one socket write, whoever sends them, and every one is answered.
 */
import type { Socket } from "node:net";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createRedis } from "../../src/redis/connect.js";
import { TurnBatchedRedis } from "../../src/redis/turn-batched.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";

/** Counts what leaves the socket: one call of _write or _writev is one write to the kernel. */
function countWrites(socket: Socket): { count: number; restore(): void } {
  const s = socket as Socket & { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void };
  const [write, writev] = [s._write, s._writev];
  const counter = {
    count: 0,
    restore() {
      s._write = write;
      s._writev = writev;
    },
  };
  s._write = (...a) => {
    counter.count++;
    write.apply(s, a);
  };
  if (writev)
    s._writev = (...a) => {
      counter.count++;
      writev.apply(s, a);
    };
  return counter;
}

const turnEnd = () => new Promise((r) => setImmediate(r));

describe("TurnBatchedRedis", () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  const connect = async () => {
    const prefix = testPrefix();
    cleanup.push(() => deleteKeys(prefix));
    const redis = createRedis(TEST_REDIS_URL);
    cleanup.push(() => redis.quit());
    expect(redis).toBeInstanceOf(TurnBatchedRedis);
    await redis.ping();
    return { redis: redis as TurnBatchedRedis, prefix, socket: (redis as TurnBatchedRedis).stream as Socket };
  };

  it("writes a turn's commands, scripts, pipelines and transactions once, when the turn ends, and answers each", async () => {
    const { redis, prefix, socket } = await connect();
    redis.defineCommand("twice", { numberOfKeys: 1, lua: "return redis.call('INCRBY', KEYS[1], 2)" });
    const writes = countWrites(socket);
    try {
      const sets = Array.from({ length: 20 }, (_, i) => redis.set(`${prefix}:k${i}`, String(i)));
      const script = (redis as unknown as { twice(k: string): Promise<number> }).twice(`${prefix}:n`);
      const pipeline = redis.pipeline().incr(`${prefix}:n`).get(`${prefix}:k0`).exec();
      const multi = redis.multi().incr(`${prefix}:n`).incr(`${prefix}:n`).exec();
      // Held in the socket until the turn ends.
      expect(socket.writableCorked).toBe(1);
      expect(socket.writableLength).toBeGreaterThan(0);
      expect(writes.count).toBe(0);
      expect(await Promise.all(sets)).toEqual(Array(20).fill("OK"));
      expect(await script).toBe(2);
      expect(await pipeline).toEqual([
        [null, 3],
        [null, "0"],
      ]);
      expect(await multi).toEqual([
        [null, 4],
        [null, 5],
      ]);
      expect(writes.count).toBe(1);
      expect(socket.writableCorked).toBe(0);
    } finally {
      writes.restore();
    }
  });

  it("runs turn-end tasks before the write, and sends what they send in it", async () => {
    const { redis, prefix, socket } = await connect();
    const writes = countWrites(socket);
    const order: string[] = [];
    try {
      const first = redis.rpush(`${prefix}:order`, "first");
      let fromTask: Promise<number> | undefined;
      redis.atTurnEnd(() => {
        order.push(`task, corked ${socket.writableCorked}`);
        fromTask = redis.rpush(`${prefix}:order`, "from the task");
        // A task may add another: it runs in the same turn end.
        redis.atTurnEnd(() => order.push(`second task, corked ${socket.writableCorked}`));
      });
      await first;
      await fromTask;
      expect(order).toEqual(["task, corked 1", "second task, corked 1"]);
      expect(await redis.lrange(`${prefix}:order`, 0, -1)).toEqual(["first", "from the task"]);
      expect(writes.count).toBe(2); // the turn's write, then the LRANGE's
    } finally {
      writes.restore();
    }
    // With nothing corked, a task runs on the next turn.
    let ran = false;
    redis.atTurnEnd(() => {
      ran = true;
    });
    expect(ran).toBe(false);
    await turnEnd();
    expect(ran).toBe(true);
  });

  it("keeps a command sent before the connection is ready in ioredis' offline queue, and sends it on connecting", async () => {
    const prefix = testPrefix();
    cleanup.push(() => deleteKeys(prefix));
    const redis = createRedis(TEST_REDIS_URL, { lazyConnect: true }) as TurnBatchedRedis;
    cleanup.push(() => redis.quit());
    const set = redis.set(`${prefix}:early`, "1"); // connects
    expect(redis.status).not.toBe("ready");
    expect(await set).toBe("OK");
    expect(await redis.get(`${prefix}:early`)).toBe("1");
  });

  it("answers after a reconnect in the middle of a turn", async () => {
    const { redis, prefix, socket } = await connect();
    const before = redis.set(`${prefix}:a`, "1");
    socket.destroy(); // the corked socket is gone before its turn ends
    const after = redis.set(`${prefix}:b`, "2");
    // Sent again on the new connection (maxRetriesPerRequest null: BullMQ's setting).
    expect(await before).toBe("OK");
    expect(await after).toBe("OK");
    expect(redis.stream).not.toBe(socket);
    expect(await redis.mget(`${prefix}:a`, `${prefix}:b`)).toEqual(["1", "2"]);
  });

  it("duplicates as a plain connection: a worker's blocking BZPOPMIN is written at once", async () => {
    const { redis } = await connect();
    const dup = redis.duplicate();
    cleanup.push(() => dup.quit());
    expect(dup).toBeInstanceOf(Redis);
    expect(dup).not.toBeInstanceOf(TurnBatchedRedis);
    expect(dup.options.enableAutoPipelining).toBe(false);
  });
});
