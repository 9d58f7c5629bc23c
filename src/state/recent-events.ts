import type { RedisClient } from "../redis/connect.js";
import type { DwEvent } from "../core/event.js";
import { LuaScript } from "../redis/lua-script.js";

/**
 * Record one event in the capped store of recent events: a sorted set by receive time plus a hash of the events,
 * trimmed atomically. A Lua function, so that the ingest path (src/ingest/filtered-at-ingest.ts) records a filtered
 * event in its own script exactly as the events worker does.
 */
export const RECORD_RECENT_LUA = `
local function recordRecent(index, data, id, score, value, max)
  redis.call('HSET', data, id, value)
  redis.call('ZADD', index, score, id)
  local n = redis.call('ZCARD', index)
  if n > max then
    local old = redis.call('ZRANGE', index, 0, n - max - 1)
    redis.call('ZREMRANGEBYRANK', index, 0, n - max - 1)
    redis.call('HDEL', data, unpack(old))
  end
  return n
end
`;

const RECORD = new LuaScript(`${RECORD_RECENT_LUA}
return recordRecent(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]))
`);

export interface StoredEvent {
  event: DwEvent;
  receivedAt: number;
}

export class RecentEvents {
  private readonly redis: RedisClient;
  /** The sorted set by receive time and the hash of the events. */
  readonly index: string;
  readonly data: string;
  /** How many are kept (ingest.recentEvents). */
  readonly max: number;

  constructor(redis: RedisClient, prefix: string, max: number) {
    this.redis = redis;
    this.max = max;
    this.index = `${prefix}:recent:index`;
    this.data = `${prefix}:recent:data`;
  }

  /** Idempotent: recording the same event twice keeps one entry. */
  async record(event: DwEvent, receivedAt: number): Promise<void> {
    await RECORD.run(
      this.redis,
      [this.index, this.data],
      [event.id, String(receivedAt), storedValue(event, receivedAt), String(this.max)],
    );
  }

  /** Newest first. */
  async list(limit: number): Promise<StoredEvent[]> {
    const ids = await this.redis.zrevrange(this.index, 0, Math.max(0, limit - 1));
    if (!ids.length) return [];
    const values = await this.redis.hmget(this.data, ...ids);
    return values.filter((v): v is string => typeof v === "string").map((v) => JSON.parse(v) as StoredEvent);
  }

  /**
   * Newest first, received at or after `sinceMs`, kept when `accept` says so, page by page until `limit` are
   * found or `maxScan` entries were read (so a query costs at most maxScan / pageSize round trips).
   */
  async query(o: {
    limit: number;
    sinceMs?: number;
    maxScan: number;
    pageSize?: number;
    accept: (page: StoredEvent[]) => boolean[] | Promise<boolean[]>;
  }): Promise<{ items: StoredEvent[]; scanned: number; exhausted: boolean }> {
    const pageSize = o.pageSize ?? 200;
    const min = o.sinceMs === undefined ? "-inf" : String(o.sinceMs);
    const items: StoredEvent[] = [];
    const seen = new Set<string>();
    let scanned = 0;
    while (items.length < o.limit && scanned < o.maxScan) {
      const count = Math.min(pageSize, o.maxScan - scanned);
      const ids = await this.redis.zrevrangebyscore(this.index, "+inf", min, "LIMIT", scanned, count);
      if (!ids.length) return { items, scanned, exhausted: true };
      scanned += ids.length;
      const values = await this.redis.hmget(this.data, ...ids);
      const page = values.filter((v): v is string => typeof v === "string").map((v) => JSON.parse(v) as StoredEvent);
      const keep = await o.accept(page);
      for (const [i, e] of page.entries()) {
        // New events shift offsets while we page; never list one twice.
        if (!keep[i] || seen.has(e.event.id)) continue;
        seen.add(e.event.id);
        items.push(e);
        if (items.length >= o.limit) break;
      }
      if (ids.length < count) return { items, scanned, exhausted: true };
    }
    return { items, scanned, exhausted: false };
  }

  async get(id: string): Promise<StoredEvent | undefined> {
    const v = await this.redis.hget(this.data, id);
    return v ? (JSON.parse(v) as StoredEvent) : undefined;
  }
}

/** What the recent events hold for an event (the hash's value). */
export const storedValue = (event: DwEvent, receivedAt: number): string =>
  JSON.stringify({ event, receivedAt } satisfies StoredEvent);
