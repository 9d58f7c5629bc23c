import type { RedisClient } from "../redis/connect.js";
import { LuaScript } from "../redis/lua-script.js";

/**
 * Sliding-window log per key (a sorted set of send times), checked and taken atomically in Redis so any
 * number of bot instances together never exceed max per window: a DingTalk robot never sees a 21st
 * message within a minute. Several keys (destination rate, digest group interval) are taken all or none.
 * `reserve` keeps the last slots of a window for priority sends (approval cards).
 *
 * KEYS: one per limit. ARGV: now ("" = Redis' clock), member, then per key: max, windowMs, reserve.
 * Returns 0 when taken, else the milliseconds to wait for the limit that frees last.
 */
const NOW = `
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

const ACQUIRE = new LuaScript(`${NOW}
local now = clock(ARGV[1])
local wait = 0
for i = 1, #KEYS do
  local max = tonumber(ARGV[3 * i])
  local window = tonumber(ARGV[3 * i + 1])
  local reserve = tonumber(ARGV[3 * i + 2])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - window)
  local n = redis.call('ZCARD', KEYS[i])
  local allowed = max - reserve
  if n >= allowed then
    local idx = n - allowed
    local oldest = redis.call('ZRANGE', KEYS[i], idx, idx, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w < 1 then w = 1 end
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[3 * i + 1]) + 1000)
end
return 0
`);

/**
 * A taken slot is moved to when its request actually left: the platform counts arrivals, and a request that
 * waited after taking its slot (a busy event loop, a token fetch) would otherwise leave its slot to age out
 * early and bunch with the next window's sends. GT: a slot only moves later; one that aged out while its
 * request was in flight is counted again. ARGV: at ("" = Redis' clock), member, per key windowMs.
 */
const SETTLE = new LuaScript(`${NOW}
local at = clock(ARGV[1])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'GT', at, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 + i]) + 1000)
end
return 0
`);

export interface Limit {
  key: string;
  max: number;
  windowMs: number;
  /** Slots only priority sends may use (0 = none reserved). */
  reserve?: number;
}

export class RateLimiter {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private seq = 0;

  constructor(redis: RedisClient, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  /**
   * Take a slot in every limit, or none; returns 0 when taken, else how long to wait. Times are Redis' clock
   * unless `now` is given (tests): instances whose clocks disagree still share one window.
   */
  async acquire(limits: readonly Limit[], now?: number): Promise<number> {
    return (await this.take(limits, now)).wait;
  }

  /** As acquire, and name the slot taken so settle() can move it to the moment the request went out. */
  async take(limits: readonly Limit[], now?: number): Promise<{ wait: number; slot?: string }> {
    if (!limits.length) return { wait: 0 };
    const member = `${process.pid}-${++this.seq}-${Math.random().toString(36).slice(2, 10)}`;
    const args: string[] = [now === undefined ? "" : String(now), member];
    for (const l of limits) args.push(String(l.max), String(l.windowMs), String(Math.min(l.reserve ?? 0, l.max - 1)));
    const keys = limits.map((l) => `${this.prefix}:rl:${l.key}`);
    const wait = Number(await ACQUIRE.run(this.redis, keys, args));
    return wait === 0 ? { wait, slot: member } : { wait };
  }

  /** The request of a taken slot has been sent (or failed after leaving): count it from `at`. */
  async settle(limits: readonly Limit[], slot: string, at?: number): Promise<void> {
    if (!limits.length) return;
    const keys = limits.map((l) => `${this.prefix}:rl:${l.key}`);
    const when = at === undefined ? "" : String(at);
    await SETTLE.run(this.redis, keys, [when, slot, ...limits.map((l) => String(l.windowMs))]);
  }

  /** A taken slot whose request was never sent (the work turned out to be done elsewhere): give it back. */
  async cancel(limits: readonly Limit[], slot: string): Promise<void> {
    const m = this.redis.multi();
    for (const l of limits) m.zrem(`${this.prefix}:rl:${l.key}`, slot);
    await m.exec();
  }
}
