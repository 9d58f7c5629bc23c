import { createHash } from "node:crypto";
import { Cluster } from "ioredis";
import type { RedisClient } from "./connect.js";

type Run = (numberOfKeys: number, ...keysAndArgs: (string | number)[]) => Promise<unknown>;

/**
 * A Lua script run by its SHA1 (EVALSHA): the body (up to a kilobyte for the rate limiter) is not sent and hashed
 * again on every call. It is an ioredis command of each connection it runs on (`defineCommand`): on a socket's first
 * use ioredis sends the body (EVAL, which caches it), then the SHA1. So a connection new since a restart or a
 * failover never meets NOSCRIPT, whose retry would go out a turn later, behind commands sent after it: a failure's
 * mark and the filter that must see it (src/ingest/filtered-at-ingest.ts) ran in the wrong order that way when the
 * filter's script was cached and the mark's was not. After a SCRIPT FLUSH on a live socket, NOSCRIPT runs nothing
 * and ioredis sends the body once more: the script runs exactly once either way.
 *
 * On a Cluster, EVALSHA, then EVAL on NOSCRIPT, as before: there ioredis 6.0's auto-pipeline failed with our
 * scripts as defined commands ("results[i] is not iterable" in its autoPipelining.js, the Cluster run of
 * test/integration/redis-topologies.test.ts; cause not looked into). Keys are routed by slot as with EVAL.
 */
export class LuaScript {
  readonly sha: string;
  private readonly lua: string;
  /** The command's name on a connection. */
  private readonly command: string;

  constructor(lua: string) {
    this.lua = lua;
    this.sha = createHash("sha1").update(lua).digest("hex");
    this.command = `dwcScript${this.sha}`;
  }

  run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    if (redis instanceof Cluster) return this.runOnCluster(redis, keys, args);
    const commands = redis as unknown as Record<string, Run | undefined>;
    // No numberOfKeys: each call gives its own, as EVAL does.
    if (!commands[this.command]) redis.defineCommand(this.command, { lua: this.lua });
    return (commands[this.command] as Run).call(redis, keys.length, ...keys, ...args);
  }

  private async runOnCluster(redis: Cluster, keys: readonly string[], args: readonly (string | number)[]) {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith("NOSCRIPT"))) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}
