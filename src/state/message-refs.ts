import type { Redis } from "ioredis";
import type { MessageRef } from "../core/chat-adapter.js";

/** Where each event's messages were posted, so later steps (approvals, reruns) can update them in place. */
export class MessageRefs {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttlSeconds: number;

  constructor(redis: Redis, prefix: string, ttlSeconds = 30 * 86_400) {
    this.redis = redis;
    this.prefix = prefix;
    this.ttlSeconds = ttlSeconds;
  }

  private key(eventId: string) {
    return `${this.prefix}:msgref:${eventId}`;
  }

  async save(eventId: string, ref: MessageRef): Promise<void> {
    const key = this.key(eventId);
    await this.redis.multi().hset(key, ref.destination, JSON.stringify(ref)).expire(key, this.ttlSeconds).exec();
  }

  /** The message an event already has at a destination (a delivery run again after a crash finds it). */
  async get(eventId: string, destination: string): Promise<MessageRef | undefined> {
    const v = await this.redis.hget(this.key(eventId), destination);
    return v ? (JSON.parse(v) as MessageRef) : undefined;
  }

  async list(eventId: string): Promise<MessageRef[]> {
    const all = await this.redis.hgetall(this.key(eventId));
    return Object.values(all).map((v) => JSON.parse(v) as MessageRef);
  }

  /** A message remembered under a name (e.g. a node's last failure) for a later in-place update. */
  async saveKeyed(destination: string, name: string, ref: MessageRef): Promise<void> {
    await this.redis.set(`${this.prefix}:msgkey:${destination}:${name}`, JSON.stringify(ref), "EX", this.ttlSeconds);
  }

  /** Of these destinations, the ones holding a message remembered under `name`. */
  async holdingKeyed(destinations: readonly string[], name: string): Promise<string[]> {
    if (destinations.length === 0) return [];
    const found = await this.redis.mget(destinations.map((d) => `${this.prefix}:msgkey:${d}:${name}`));
    return destinations.filter((_, i) => found[i] !== null);
  }

  async loadKeyed(destination: string, name: string): Promise<MessageRef | undefined> {
    const v = await this.redis.get(`${this.prefix}:msgkey:${destination}:${name}`);
    return v ? (JSON.parse(v) as MessageRef) : undefined;
  }
}
