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
import { countWrites } from "../helpers/socket-writes.js";

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
  /** The socket's writes, counted until the test ends. */
  const writesOf = (socket: Socket) => {
    const writes = countWrites(socket);
    cleanup.push(async () => writes.restore());
    return writes;
  };

  it("writes a turn's commands, scripts, pipelines and transactions once, when the turn ends, and answers each", async () => {
    const { redis, prefix, socket } = await connect();
    redis.defineCommand("twice", { numberOfKeys: 1, lua: "return redis.call('INCRBY', KEYS[1], 2)" });
    const writes = writesOf(socket);
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
  });

  it("holds a MULTI or pipeline that comes first in a turn for the turn's write too", async () => {
    const { redis, prefix, socket } = await connect();
    const writes = writesOf(socket);
    const multi = redis.multi().set(`${prefix}:m`, "1").incr(`${prefix}:m`).exec();
    const pipeline = redis.pipeline().incr(`${prefix}:m`).exec();
    const after = redis.get(`${prefix}:m`);
    expect(socket.writableCorked).toBe(1);
    expect(await multi).toEqual([
      [null, "OK"],
      [null, 2],
    ]);
    expect(await pipeline).toEqual([[null, 3]]);
    expect(await after).toBe("3");
    expect(writes.count).toBe(1);
  });

  it("runs turn-end tasks before the write, and sends what they send in it", async () => {
    const { redis, prefix, socket } = await connect();
    const writes = writesOf(socket);
    const order: string[] = [];
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
    // With nothing corked, a task runs on the next turn.
    let ran = false;
    redis.atTurnEnd(() => {
      ran = true;
    });
    expect(ran).toBe(false);
    await turnEnd();
    expect(ran).toBe(true);
  });

  it("keeps commands sent before the connection is ready in ioredis' offline queue, and sends them in one write when it is", async () => {
    const prefix = testPrefix();
    cleanup.push(() => deleteKeys(prefix));
    const redis = createRedis(TEST_REDIS_URL, { lazyConnect: true }) as TurnBatchedRedis;
    cleanup.push(() => redis.quit());
    let writes: { readonly count: number } | undefined;
    redis.once("connect", () => {
      writes = writesOf(redis.stream as Socket);
    });
    const sets = Array.from({ length: 10 }, (_, i) => redis.set(`${prefix}:early${i}`, String(i))); // connects
    expect(redis.status).not.toBe("ready");
    expect(await Promise.all(sets)).toEqual(Array(10).fill("OK"));
    // The ready check, then the ten queued SETs together (a plain Redis writes 11 times).
    expect(writes?.count).toBe(2);
    expect(await redis.get(`${prefix}:early9`)).toBe("9");
  });

  it("runs each command once after a reconnect in the middle of a turn", async () => {
    const { redis, prefix, socket } = await connect();
    const before = redis.incr(`${prefix}:a`);
    socket.destroy(); // the corked socket is gone before its turn ends, its bytes unsent
    const after = redis.incr(`${prefix}:b`);
    // Sent on the new connection (maxRetriesPerRequest null: BullMQ's setting), each once.
    expect(await before).toBe(1);
    expect(await after).toBe(1);
    expect(redis.stream).not.toBe(socket);
    expect(await redis.mget(`${prefix}:a`, `${prefix}:b`)).toEqual(["1", "1"]);
  });

  it("a turn-end task that throws stops neither the other tasks nor the write", async () => {
    const { redis, prefix, socket } = await connect();
    const ran: number[] = [];
    const bug = new Error("a bug in a turn-end task");
    // The bug reaches the process as an uncaught exception: here, this test's listener instead of the runner's.
    const runners = process.listeners("uncaughtException");
    process.removeAllListeners("uncaughtException");
    const thrown = new Promise<unknown>((resolve) => process.once("uncaughtException", resolve));
    try {
      const sent = redis.set(`${prefix}:t`, "1");
      redis.atTurnEnd(() => ran.push(1));
      redis.atTurnEnd(() => {
        throw bug;
      });
      redis.atTurnEnd(() => ran.push(3));
      expect(await thrown).toBe(bug);
      expect(await sent).toBe("OK");
    } finally {
      process.removeAllListeners("uncaughtException");
      for (const l of runners) process.on("uncaughtException", l);
    }
    expect(ran).toEqual([1, 3]);
    expect(socket.writableCorked).toBe(0);
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
