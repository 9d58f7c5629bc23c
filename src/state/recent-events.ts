import type { RedisClient } from "../redis/connect.js";
import type { DwEvent } from "../core/event.js";
import { LuaScript } from "../redis/lua-script.js";

/** Capped store of recent events: a sorted set by receive time plus a hash of the events, trimmed atomically. */
const RECORD = new LuaScript(`
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local n = redis.call('ZCARD', KEYS[1])
local max = tonumber(ARGV[4])
if n > max then
  local old = redis.call('ZRANGE', KEYS[1], 0, n - max - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1)
  redis.call('HDEL', KEYS[2], unpack(old))
end
return n
`);

export interface StoredEvent {
  event: DwEvent;
  receivedAt: number;
}

export class RecentEvents {
  private readonly redis: RedisClient;
  private readonly max: number;
  private readonly index: string;
  private readonly data: string;

  constructor(redis: RedisClient, prefix: string, max: number) {
    this.redis = redis;
    this.max = max;
    this.index = `${prefix}:recent:index`;
    this.data = `${prefix}:recent:data`;
  }

  /** Idempotent: recording the same event twice keeps one entry. */
  async record(event: DwEvent, receivedAt: number): Promise<void> {
    const value = JSON.stringify({ event, receivedAt } satisfies StoredEvent);
    await RECORD.run(this.redis, [this.index, this.data], [event.id, String(receivedAt), value, String(this.max)]);
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
