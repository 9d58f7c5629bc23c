import type { RedisClient } from "../redis/connect.js";
import { LuaScript } from "../redis/lua-script.js";
import type { MessageRef } from "../core/chat-adapter.js";
import type { DwEvent } from "../core/event.js";

/** A message remembered under a name, with the event it told of (a recovery keeps what the failure said). */
export interface KeyedMessage {
  ref: MessageRef;
  event?: DwEvent;
}

const PENDING_TTL_S = 3_600;

/** HSET and EXPIRE as one atomic command: one per message sent, where MULTI … EXEC took four. */
const SAVE = new LuaScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`);

/** The message kept under a name, and its pending mark gone, as one atomic command (MULTI … EXEC took four). */
const SAVE_KEYED = new LuaScript(`
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('DEL', KEYS[2])
return 1
`);

/** Where each event's messages were posted, so later steps (approvals, reruns) can update them in place. */
export class MessageRefs {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly ttlSeconds: number;

  constructor(redis: RedisClient, prefix: string, ttlSeconds = 30 * 86_400) {
    this.redis = redis;
    this.prefix = prefix;
    this.ttlSeconds = ttlSeconds;
  }

  private key(eventId: string) {
    return `${this.prefix}:msgref:${eventId}`;
  }

  async save(eventId: string, ref: MessageRef): Promise<void> {
    const e = this.entry(eventId, ref);
    await SAVE.run(this.redis, [e.key], [e.field, e.value, e.ttlSeconds]);
  }

  /** What save() writes, for a script that writes it beside other work (a rate-limit slot's settle). */
  entry(eventId: string, ref: MessageRef): { key: string; field: string; value: string; ttlSeconds: number } {
    return { key: this.key(eventId), field: ref.destination, value: JSON.stringify(ref), ttlSeconds: this.ttlSeconds };
  }

  /** The message an event already has at a destination (a delivery run again after a crash finds it). */
  async get(eventId: string, destination: string): Promise<MessageRef | undefined> {
    const v = await this.redis.hget(this.key(eventId), destination);
    return v ? parseRef(v) : undefined;
  }

  /**
   * Where get() looks, for a script that reads it beside other work (the rate limiter's guarded take: the check
   * and the slot in one round trip); what it finds is read with parseRef.
   */
  where(eventId: string, destination: string): { key: string; field: string } {
    return { key: this.key(eventId), field: destination };
  }

  async list(eventId: string): Promise<MessageRef[]> {
    const all = await this.redis.hgetall(this.key(eventId));
    return Object.values(all).map(parseRef);
  }

  /** A message remembered under a name (e.g. a node's last failure) for a later in-place update. */
  async saveKeyed(destination: string, name: string, ref: MessageRef, event?: DwEvent): Promise<void> {
    const value: KeyedMessage = event ? { ref, event } : { ref };
    await SAVE_KEYED.run(
      this.redis,
      [this.keyedKey(destination, name), this.pendingKey(destination, name)],
      [JSON.stringify(value), this.ttlSeconds],
    );
  }

  /**
   * A message to be remembered under `name` is on its way (queued, maybe parked by a rate limit): a later
   * update waits for it instead of posting ahead of it. Bounded by a TTL in case that delivery fails for good.
   */
  async markPending(items: ReadonlyArray<{ destination: string; name: string }>): Promise<void> {
    // Each mark stands alone (a key with its own TTL): no transaction, one SET each, sent in the turn's one write.
    await Promise.all(
      items.map((i) => this.redis.set(this.pendingKey(i.destination, i.name), "1", "EX", PENDING_TTL_S)),
    );
  }

  /** The delivery marked pending ended without a message to remember (in a digest, or already covered). */
  async clearPending(destination: string, name: string): Promise<void> {
    await this.redis.del(this.pendingKey(destination, name));
  }

  /** Is the message to be remembered under `name` still on its way (marked pending, not yet saved)? */
  async awaiting(destination: string, name: string): Promise<boolean> {
    const [saved, pending] = await this.redis.mget(
      this.keyedKey(destination, name),
      this.pendingKey(destination, name),
    );
    return saved === null && pending !== null;
  }

  /** Of these destinations, the ones holding (or about to hold) a message remembered under `name`. */
  async holdingKeyed(destinations: readonly string[], name: string): Promise<string[]> {
    if (destinations.length === 0) return [];
    const keys = destinations.flatMap((d) => [this.keyedKey(d, name), this.pendingKey(d, name)]);
    const found = await this.redis.mget(keys);
    return destinations.filter((_, i) => found[2 * i] !== null || found[2 * i + 1] !== null);
  }

  private keyedKey(destination: string, name: string) {
    return `${this.prefix}:msgkey:${destination}:${name}`;
  }

  private pendingKey(destination: string, name: string) {
    return `${this.prefix}:msgpending:${destination}:${name}`;
  }

  async loadKeyed(destination: string, name: string): Promise<KeyedMessage | undefined> {
    const v = await this.redis.get(this.keyedKey(destination, name));
    if (!v) return undefined;
    const parsed = JSON.parse(v) as KeyedMessage | MessageRef;
    // Saved before the event was kept with it: the bare ref.
    return "ref" in parsed ? parsed : { ref: parsed };
  }
}

/** A saved message ref, as get() and MessageRefs.where's readers find it. */
export const parseRef = (saved: string): MessageRef => JSON.parse(saved) as MessageRef;
