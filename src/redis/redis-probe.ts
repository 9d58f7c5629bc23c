import { connectTo } from "./connect.js";
import { parseRedisUrl } from "./redis-url.js";

/**
 * "Does Redis answer?", asked so that the question itself is bounded. The bot's own connections queue commands
 * while Redis is away (BullMQ needs maxRetriesPerRequest null), so a PING on them waits for Redis to return. The
 * probe has a connection of its own with no offline queue (while disconnected, a command fails at once) and a
 * command timeout (a hung server or a black-holed network is "no" after timeoutMs). It reconnects at least every
 * second, so readiness comes back within about a second of Redis. slotKey: a key in the bot's slot (its prefix).
 */
export interface RedisProbe {
  /** true, or why not: "unreachable: connect ECONNREFUSED …", "no answer within 500 ms", a Redis error. */
  check(): Promise<true | string>;
  close(): Promise<void>;
}

export function createRedisProbe(url: string, timeoutMs = 500, slotKey = "probe"): RedisProbe {
  let lastError = "";
  const target = parseRedisUrl(url);
  const conn = connectTo(target, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: timeoutMs,
    connectTimeout: 2_000,
    enableAutoPipelining: false,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
  // The bot's connections log the outage; the probe only remembers why, for /readyz.
  conn.on("error", (err: Error) => {
    lastError = err.message;
  });
  const why = (err: Error): string => {
    if (err.message === "Command timed out") return `no answer within ${timeoutMs} ms`;
    if (conn.status !== "ready") return `unreachable: ${lastError || conn.status}`;
    return err.message;
  };
  // A cluster answers PING from any node, even while the master of the bot's slot is gone (CLUSTERDOWN for every
  // command): there the question goes to that master, as a read of a key in the bot's slot.
  const ask = (): Promise<unknown> =>
    target.mode === "cluster" ? conn.exists(slotKey).then(() => "PONG") : conn.ping();
  // Concurrent checks (a readiness probe and a scrape at once) share one PING.
  let inflight: Promise<true | string> | undefined;
  return {
    check() {
      inflight ??= ask()
        .then(
          (r) => r === "PONG" || `unexpected answer to PING: ${String(r).slice(0, 40)}`,
          (err: Error) => why(err),
        )
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
    async close() {
      conn.disconnect();
    },
  };
}
