import type { ClusterNode, RedisOptions, SentinelAddress } from "ioredis";
import { AppError } from "../core/errors.js";

/**
 * Where Redis is, from one URL, so that REDIS_URL alone selects the topology:
 * - `redis://[user:password@]host:port[/db]` (or `rediss://`): one server, or a proxy in front of a cluster
 *   (Tair / ApsaraDB for Redis "proxy mode");
 * - `redis+sentinel://[user:password@]host:26379[,host:26379…]/<master name>[/<db>][?sentinelPassword=…]`:
 *   the master the Sentinels name, followed across failovers (the form of redis-py, Celery and Spring);
 * - `redis+cluster://[user:password@]host:port[,host:port…]`: Redis Cluster (and Tair / ApsaraDB in direct
 *   connection mode); the nodes listed are only where discovery starts.
 * user:password is Redis's (and the cluster nodes'); a Sentinel with a password of its own takes `sentinelPassword`.
 */
export type RedisTarget =
  | { mode: "standalone"; url: string }
  | { mode: "sentinel"; options: RedisOptions }
  | { mode: "cluster"; nodes: ClusterNode[]; options: RedisOptions };

const FORMS =
  "redis://host:6379, redis+sentinel://host:26379,host2:26379/mymaster or redis+cluster://host:6379,host2:6379";

export function parseRedisUrl(url: string): RedisTarget {
  const m = /^([a-z+]+):\/\/(?:([^@/]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(url.trim());
  const scheme = m?.[1]?.toLowerCase();
  if (!m || !scheme) throw new AppError("REDIS_URL_INVALID", `redis.url is not a URL; use ${FORMS}`);
  if (scheme === "redis" || scheme === "rediss") return { mode: "standalone", url };
  if (scheme !== "redis+sentinel" && scheme !== "redis+cluster") {
    throw new AppError("REDIS_URL_INVALID", `redis.url: unknown scheme "${scheme}:"; use ${FORMS}`);
  }
  const auth = credentials(m[2]);
  const hosts = hostList(m[3] ?? "", scheme === "redis+sentinel" ? 26379 : 6379);
  const path = (m[4] ?? "").split("/").filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(m[5] ?? "");
  if (scheme === "redis+cluster") {
    // A cluster has one database (0): a path would be silently ignored.
    if (path.length)
      throw new AppError("REDIS_URL_INVALID", "redis.url: redis+cluster:// takes no path (a cluster has only db 0)");
    return { mode: "cluster", nodes: hosts, options: auth };
  }
  const [name, db, ...rest] = path;
  if (!name || rest.length || (db !== undefined && !/^\d+$/.test(db))) {
    throw new AppError(
      "REDIS_URL_INVALID",
      "redis.url: redis+sentinel:// needs the master's name as its path: redis+sentinel://host:26379/mymaster[/db]",
    );
  }
  const sentinelPassword = query.get("sentinelPassword") ?? undefined;
  return {
    mode: "sentinel",
    options: {
      ...auth,
      name,
      ...(db === undefined ? {} : { db: Number(db) }),
      sentinels: hosts as SentinelAddress[],
      ...(sentinelPassword ? { sentinelPassword } : {}),
    },
  };
}

/**
 * The prefix every key is written under. In cluster mode it is a hash tag (`{dwc}`), so that all the bot's keys —
 * BullMQ's too — are in one slot and its multi-key Lua scripts and transactions are allowed; a prefix that already
 * holds a tag (`{dwc}`, required for a cluster proxy) is used as it is. Elsewhere the prefix stays as configured, so
 * the keys of an existing single-server deployment do not move.
 */
export function keyPrefix(prefix: string, target: RedisTarget): string {
  if (target.mode !== "cluster" || /\{[^}]+\}/.test(prefix)) return prefix;
  return `{${prefix}}`;
}

function credentials(userinfo: string | undefined): Pick<RedisOptions, "username" | "password"> {
  if (!userinfo) return {};
  const i = userinfo.indexOf(":");
  const username = decodeURIComponent(i < 0 ? userinfo : userinfo.slice(0, i));
  const password = i < 0 ? undefined : decodeURIComponent(userinfo.slice(i + 1));
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

function hostList(list: string, defaultPort: number): Array<{ host: string; port: number }> {
  const hosts = list.split(",").map((h) => {
    const hm = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(h.trim());
    // Not echoed: a password with an unescaped "@" or "/" would land here.
    if (!hm?.[1]) throw new AppError("REDIS_URL_INVALID", "redis.url: the hosts must be host:port[,host:port…]");
    return { host: hm[1].replace(/^\[|\]$/g, ""), port: hm[2] ? Number(hm[2]) : defaultPort };
  });
  return hosts;
}
