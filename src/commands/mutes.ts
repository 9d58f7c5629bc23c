import { randomBytes } from "node:crypto";
import type { ChatUser } from "../access/people.js";
import type { RedisClient } from "../redis/connect.js";
import type { EventFilter } from "./filter.js";

export interface Mute {
  /** Short enough to type: `unmute m7k2q9`. */
  id: string;
  filter: EventFilter;
  reason?: string;
  by: ChatUser;
  createdAt: number;
  until: number;
}

/** How long a mute's counter outlives it, so `mutes` right after expiry is not the only place it showed. */
const COUNT_GRACE_MS = 86_400_000;

/**
 * Mutes in Redis: one key per mute that expires with it (the source of truth), a sorted set of ids by end
 * time to list them, and per-mute counters of what they silenced.
 */
export class MuteStore {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly now: () => number;
  /** Bumped by every add and remove through this store: a read from before it is stale at once. */
  private version = 0;
  private lastRead?: { at: number; version: number; mutes: Promise<Mute[]> };

  constructor(redis: RedisClient, prefix: string, now: () => number = Date.now) {
    this.redis = redis;
    this.prefix = prefix;
    this.now = now;
  }

  private key(id: string) {
    return `${this.prefix}:mute:${id}`;
  }
  private countKey(id: string) {
    return `${this.prefix}:mute-count:${id}`;
  }
  private get index() {
    return `${this.prefix}:mutes`;
  }
  /** Silenced events per event code, like notify's filtered counter. */
  get mutedKey() {
    return `${this.prefix}:muted`;
  }

  async add(m: Omit<Mute, "id" | "createdAt" | "until">, durationMs: number): Promise<Mute> {
    const createdAt = this.now();
    for (let attempt = 0; attempt < 5; attempt++) {
      const mute: Mute = { ...m, id: newId(), createdAt, until: createdAt + durationMs };
      const ok = await this.redis.set(this.key(mute.id), JSON.stringify(mute), "PX", durationMs, "NX");
      if (ok !== "OK") continue;
      // Ended mutes leave their id in the index; clear them here, off the events worker's path.
      await this.redis
        .multi()
        .zremrangebyscore(this.index, "-inf", createdAt)
        .zadd(this.index, mute.until, mute.id)
        .exec();
      this.version++;
      return mute;
    }
    throw new Error("could not allocate a mute id");
  }

  /** Mutes still in force, soonest end first (one ZRANGEBYSCORE when none are, plus an MGET when some are). */
  async active(): Promise<Mute[]> {
    const now = this.now();
    const ids = await this.redis.zrangebyscore(this.index, `(${now}`, "+inf");
    if (!ids.length) return [];
    const values = await this.redis.mget(ids.map((id) => this.key(id)));
    return values
      .filter((v): v is string => typeof v === "string")
      .map((v) => JSON.parse(v) as Mute)
      .filter((m) => m.until > now);
  }

  /**
   * Mutes in force, as read from Redis at most `maxAgeMs` ago by this store (concurrent callers share one read): the
   * events worker asks for every event, and mutes change a few times a day. A mute set or lifted through this store
   * applies at once; one set or lifted by another instance within `maxAgeMs`.
   */
  async inForce(maxAgeMs: number): Promise<Mute[]> {
    const now = this.now();
    let read = this.lastRead;
    if (!read || read.version !== this.version || now - read.at >= maxAgeMs || now < read.at) {
      const mutes = this.active();
      read = this.lastRead = { at: now, version: this.version, mutes };
      // A failed read is not kept: the next caller reads again.
      mutes.catch(() => {
        if (this.lastRead === read) this.lastRead = undefined;
      });
    }
    return (await read.mutes).filter((m) => m.until > now);
  }

  async get(id: string): Promise<Mute | undefined> {
    const v = await this.redis.get(this.key(id));
    return v ? (JSON.parse(v) as Mute) : undefined;
  }

  /** Lift a mute now; undefined when there was none (or it had already ended). */
  async remove(id: string): Promise<Mute | undefined> {
    const v = await this.redis.getdel(this.key(id));
    await this.redis.zrem(this.index, id);
    this.version++;
    return v ? (JSON.parse(v) as Mute) : undefined;
  }

  /** Count one silenced event against the mute and per event code. */
  async count(m: Mute, eventCode: string): Promise<void> {
    await this.redis
      .multi()
      .incr(this.countKey(m.id))
      .pexpireat(this.countKey(m.id), m.until + COUNT_GRACE_MS)
      .hincrby(this.mutedKey, eventCode, 1)
      .exec();
  }

  async counts(ids: readonly string[]): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    const values = await this.redis.mget(ids.map((id) => this.countKey(id)));
    return new Map(ids.map((id, i) => [id, Number(values[i] ?? 0)]));
  }
}

/** "m" + 5 characters without look-alikes (0/o, 1/l): 33 million ids, few mutes at a time, collisions retried. */
function newId(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(5);
  return `m${Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("")}`;
}
