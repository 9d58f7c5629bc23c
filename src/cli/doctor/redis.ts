import type { Config } from "../../config/schema.js";
import { checkRedis, createRedis } from "../../redis/connect.js";
import { type CheckLine, fail, message, ok, skip } from "./line.js";

/**
 * Redis: reachable, new enough, and not evicting keys (BullMQ needs maxmemory-policy noeviction).
 * `url` overrides the config's (tests); REDIS_URL is already in config.redis.url when the file sets none.
 */
export async function checkRedisLine(config: Readonly<Config>, url?: string): Promise<CheckLine[]> {
  const target = url ?? config.redis.url;
  if (!target) return [skip("redis", "no redis.url or REDIS_URL: 'serve' starts a local redis-server under dataDir")];
  const redis = createRedis(target, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    // checkRedis has read the maxmemory-policy already (undefined where CONFIG is not allowed).
    const { version, warnings, policy } = await checkRedis(redis);
    const lines = [ok("redis", `Redis ${version}`)];
    if (warnings.length)
      lines.push(
        fail(
          "redis.maxmemory-policy",
          warnings.join("; "),
          "CONFIG SET maxmemory-policy noeviction (and in redis.conf), or pick noeviction in the managed Redis console",
        ),
      );
    else if (policy) lines.push(ok("redis.maxmemory-policy", policy));
    else
      lines.push(
        fail(
          "redis.maxmemory-policy",
          "cannot be read (CONFIG is not allowed here)",
          "make sure the instance's maxmemory-policy is noeviction (BullMQ loses jobs otherwise)",
        ),
      );
    return lines;
  } catch (err) {
    return [fail("redis", message(err), "start Redis or fix redis.url / REDIS_URL")];
  } finally {
    redis.disconnect();
  }
}
