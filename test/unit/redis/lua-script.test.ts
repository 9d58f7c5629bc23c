import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LuaScript } from "../../../src/redis/lua-script.js";
import { RedisServer } from "../../helpers/redis-server.js";

/** On a private redis-server: SCRIPT FLUSH must not touch the shared one's cached scripts. */
describe("LuaScript: by SHA1, the body only when the server does not know it", () => {
  const server = new RedisServer();
  let redis: Redis;
  const INCR = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");

  beforeAll(async () => {
    await server.start();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  const calls = async (cmd: string) =>
    Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(await redis.info("commandstats"))?.[1] ?? 0);

  it("an unknown script (NOSCRIPT) runs exactly once, through EVAL, and by EVALSHA after that", async () => {
    await redis.script("FLUSH");
    await redis.config("RESETSTAT");
    expect(await INCR.run(redis, ["n"], [5])).toBe(5);
    // NOSCRIPT ran nothing: one increment, not two.
    expect(await redis.get("n")).toBe("5");
    expect([await calls("evalsha"), await calls("eval")]).toEqual([1, 1]);
    expect(await INCR.run(redis, ["n"], [2])).toBe(7);
    expect([await calls("evalsha"), await calls("eval")]).toEqual([2, 1]);
  });

  it("a script's own error is the caller's, not retried with the body", async () => {
    const bad = new LuaScript("return redis.call('INCRBY', KEYS[1], 'not a number')");
    await redis.config("RESETSTAT");
    await expect(bad.run(redis, ["n"], [])).rejects.toThrow(/not an integer/);
    await expect(bad.run(redis, ["n"], [])).rejects.toThrow(/not an integer/);
    // First call: EVALSHA (NOSCRIPT), EVAL (the error); second: EVALSHA only (the error, cached script).
    expect([await calls("evalsha"), await calls("eval")]).toEqual([2, 1]);
  });
});
