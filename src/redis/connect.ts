import { Cluster, Redis, type RedisOptions } from "ioredis";
import { AppError } from "../core/errors.js";
import type { Logger } from "../logger.js";
import { parseRedisUrl, type RedisTarget } from "./redis-url.js";
import { type TurnBatchedOptions, TurnBatchedRedis } from "./turn-batched.js";

/** One server (or a proxy), the master Sentinel names, or a Redis Cluster: every command the bot uses works on each. */
export type RedisClient = Redis | Cluster;

export const MIN_REDIS_VERSION = [6, 2, 0] as const;

/** A connection suitable for BullMQ workers (maxRetriesPerRequest null) and for our own keys, batched per turn. */
export function createRedis(url: string, extra: RedisOptions = {}): RedisClient {
  const options = { maxRetriesPerRequest: null, enableAutoPipelining: true, lazyConnect: false, ...extra };
  return connectTo(parseRedisUrl(url), options);
}

/**
 * A connection to the target with these options; a cluster takes the per-node ones as its redisOptions. With
 * `enableAutoPipelining`, each turn's commands leave in one socket write: one server (or Sentinel's master) is
 * turn-batched instead (src/redis/turn-batched.ts: the same write without ioredis' Pipeline per turn), a Cluster is
 * auto-pipelined (one write per node per turn). Without it, every command is written at once.
 */
export function connectTo(target: RedisTarget, options: RedisOptions): RedisClient {
  if (target.mode !== "cluster") {
    const own = target.mode === "sentinel" ? { ...options, ...target.options } : options;
    if (!own.enableAutoPipelining) return target.mode === "standalone" ? new Redis(target.url, own) : new Redis(own);
    const batched: TurnBatchedOptions = { ...own, enableAutoPipelining: false };
    return target.mode === "standalone" ? new TurnBatchedRedis(target.url, batched) : new TurnBatchedRedis(batched);
  }
  const {
    enableAutoPipelining,
    autoPipeliningIgnoredCommands,
    lazyConnect,
    enableOfflineQueue,
    retryStrategy,
    ...perNode
  } = options;
  return new Cluster(target.nodes, {
    enableAutoPipelining,
    ...(autoPipeliningIgnoredCommands ? { autoPipeliningIgnoredCommands } : {}),
    lazyConnect,
    enableOfflineQueue,
    clusterRetryStrategy: retryStrategy,
    redisOptions: { ...perNode, ...target.options },
  });
}

/**
 * Fail start-up with a clear message on a Redis that is too old or evicts keys (it would lose jobs). `policy` is
 * the maxmemory-policy read, undefined where CONFIG is not allowed.
 */
export async function checkRedis(
  redis: RedisClient,
): Promise<{ version: string; warnings: string[]; policy: string | undefined }> {
  const info = await redis.info("server");
  const version = /redis_version:([0-9.]+)/.exec(info)?.[1] ?? "0.0.0";
  const parts = version.split(".").map(Number);
  const [a = 0, b = 0, c = 0] = parts;
  const [ma, mb, mc] = MIN_REDIS_VERSION;
  if (a < ma || (a === ma && (b < mb || (b === mb && c < mc)))) {
    throw new AppError(
      "REDIS_TOO_OLD",
      `Redis ${version} is too old: dw-chatops needs Redis >= ${MIN_REDIS_VERSION.join(".")}`,
    );
  }
  const warnings: string[] = [];
  let policy: string | undefined;
  try {
    policy = ((await redis.config("GET", "maxmemory-policy")) as string[])[1] || undefined;
    if (policy && policy !== "noeviction") {
      warnings.push(`Redis maxmemory-policy is ${policy}; set it to noeviction or queued events may be evicted`);
    }
  } catch {
    // Managed Redis often forbids CONFIG; the policy cannot be checked there.
  }
  return { version, warnings, policy };
}

/**
 * Log a lost connection once and its return: without an "error" listener ioredis prints every reconnect attempt
 * to stderr ("Unhandled error event"), unstructured.
 */
export function logOutages(conn: RedisClient, logger: Logger): void {
  let down = false;
  conn.on("error", (err: Error) => {
    if (down) return;
    down = true;
    logger.error({ err: err.message }, "Redis is unreachable; reconnecting (readiness answers 503 meanwhile)");
  });
  conn.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info("Redis is reachable again");
  });
}
