import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LuaScript } from "../../../src/redis/lua-script.js";
import { RedisServer } from "../../helpers/redis-server.js";

/** On a private redis-server: SCRIPT FLUSH must not touch the shared one's cached scripts. */
describe("LuaScript: by SHA1, the body on a connection's first use and when the server lost it", () => {
  const server = new RedisServer();
  const clients: Redis[] = [];
  const INCR = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
  const connect = () => {
    const r = new Redis(server.url);
    clients.push(r);
    return r;
  };

  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  const calls = async (redis: Redis, cmd: string) =>
    Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(await redis.info("commandstats"))?.[1] ?? 0);
  const evals = async (redis: Redis) => [await calls(redis, "evalsha"), await calls(redis, "eval")];

  it("sends the body once per connection (EVAL), then the SHA1; a flushed script runs exactly once, through EVAL", async () => {
    const redis = connect();
    await redis.script("FLUSH");
    await redis.config("RESETSTAT");
    expect(await INCR.run(redis, ["n"], [5])).toBe(5);
    expect(await evals(redis)).toEqual([0, 1]);
    expect(await INCR.run(redis, ["n"], [2])).toBe(7);
    expect(await evals(redis)).toEqual([1, 1]);
    await redis.script("FLUSH");
    expect(await INCR.run(redis, ["n"], [1])).toBe(8);
    // NOSCRIPT ran nothing: one increment, not two.
    expect(await redis.get("n")).toBe("8");
    expect(await evals(redis)).toEqual([2, 2]);
  });

  it("a script's own error is the caller's, not retried with the body", async () => {
    const redis = connect();
    const bad = new LuaScript("return redis.call('INCRBY', KEYS[1], 'not a number')");
    await redis.config("RESETSTAT");
    await expect(bad.run(redis, ["bad"], [])).rejects.toThrow(/not an integer/);
    await expect(bad.run(redis, ["bad"], [])).rejects.toThrow(/not an integer/);
    // First call: EVAL (the error; the script is cached all the same); second: EVALSHA only.
    expect(await evals(redis)).toEqual([1, 1]);
  });

  it("keeps the order of two scripts sent together when the server knows one and not the other", async () => {
    const redis = connect();
    const mark = new LuaScript("return redis.call('SET', KEYS[1], ARGV[1])");
    const check = new LuaScript("return redis.call('GET', KEYS[1])");
    await redis.script("FLUSH");
    expect(await check.run(redis, ["marked"], [])).toBeNull(); // the server knows `check` now, not `mark`
    // Sent in one turn, mark first: `check` must see the mark (a NOSCRIPT retry of `mark` would come after it).
    const [, seen] = await Promise.all([mark.run(redis, ["marked"], ["yes"]), check.run(redis, ["marked"], [])]);
    expect(seen).toBe("yes");
  });
});
