import type { RedisClient } from "../redis/connect.js";

/** Where cached lookups live: Redis in the bot, a Map for one-shot CLI use. */
export interface CacheStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<unknown>;
}

export function redisStore(redis: RedisClient): CacheStore {
  return { get: (k) => redis.get(k), set: (k, v, ttl) => redis.set(k, v, "PX", Math.max(1, ttl)) };
}

/** In-process store (expiry checked on read), for `dw-chatops render --enrich`. */
export function memoryStore(now: () => number = Date.now): CacheStore {
  const m = new Map<string, { v: string; until: number }>();
  return {
    get: async (k) => {
      const e = m.get(k);
      return e && e.until > now() ? e.v : null;
    },
    set: async (k, v, ttl) => m.set(k, { v, until: now() + ttl }),
  };
}

/** What a failed lookup leaves in Redis so that the next events skip the API for `ttl.failure`. */
const MISS = '{"miss":true}';

/**
 * Read-through cache for DataWorks lookups: Redis with a TTL (shared by every worker process) plus an
 * in-process map of lookups in flight, so that concurrent identical lookups make one API call.
 * A failed lookup is remembered briefly (negative cache) so a storm against a failing API stays cheap.
 */
export class LookupCache {
  private readonly store: CacheStore;
  private readonly prefix: string;
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(store: CacheStore, prefix: string) {
    this.store = store;
    this.prefix = `${prefix}:enrich`;
  }

  /**
   * The cached value, or `load()`'s result cached for `ttlMs`. Rejects when the load fails (after caching
   * the failure for `failTtlMs`) or when the value is a cached failure.
   */
  get<T>(key: string, ttlMs: number, failTtlMs: number, load: () => Promise<T>): Promise<T> {
    const full = `${this.prefix}:${key}`;
    const pending = this.inflight.get(full);
    if (pending) return pending as Promise<T>;
    const p = this.resolve(full, ttlMs, failTtlMs, load).finally(() => this.inflight.delete(full));
    this.inflight.set(full, p);
    return p;
  }

  /** The cached value without loading anything: undefined on a miss or a cached failure. */
  async peek<T>(key: string): Promise<T | undefined> {
    const hit = await this.store.get(`${this.prefix}:${key}`);
    return hit === null || hit === MISS ? undefined : (JSON.parse(hit) as T);
  }

  private async resolve<T>(full: string, ttlMs: number, failTtlMs: number, load: () => Promise<T>): Promise<T> {
    const hit = await this.store.get(full);
    if (hit === MISS) throw new CachedMiss(full);
    if (hit !== null) return JSON.parse(hit) as T;
    let value: T;
    try {
      value = await load();
    } catch (err) {
      await this.store.set(full, MISS, failTtlMs).catch(() => undefined);
      throw err;
    }
    await this.store.set(full, JSON.stringify(value), ttlMs);
    return value;
  }
}

/** A lookup that failed recently; not retried until the negative cache entry expires. */
export class CachedMiss extends Error {
  constructor(key: string) {
    super(`lookup ${key} failed recently; not asking again yet`);
    this.name = "CachedMiss";
  }
}
