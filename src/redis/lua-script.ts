import { createHash } from "node:crypto";
import type { RedisClient } from "./connect.js";

/**
 * A Lua script run by its SHA1 (EVALSHA): the body (up to a kilobyte for the rate limiter) is not sent and hashed
 * again on every call. A server that does not know it yet (started, restarted, SCRIPT FLUSH) answers NOSCRIPT
 * without running anything, and the call is made once more with the body (EVAL), which also caches it: the script
 * runs exactly once either way. Keys are routed by slot as with EVAL, so a cluster works alike.
 */
export class LuaScript {
  readonly sha: string;
  private readonly lua: string;

  constructor(lua: string) {
    this.lua = lua;
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith("NOSCRIPT"))) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
