import type { RedisClient } from "../redis/connect.js";
import { LuaScript } from "../redis/lua-script.js";

/**
 * Sliding-window log per key (a sorted set of send times), checked and taken atomically in Redis so any
 * number of bot instances together never exceed max per window: a DingTalk robot never sees a 21st
 * message within a minute. Several keys (destination rate, digest group interval) are taken all or none.
 * `reserve` keeps the last slots of a window for priority sends (approval cards).
 *
 * A take may be guarded by a hash field that says the work is done (a delivery's message ref): found, nothing is
 * taken and its value is returned, so a check and a take cost one round trip, atomically.
 *
 * KEYS: the guard's hash when ARGV[3] names a field, then one per limit. ARGV: now ("" = Redis' clock), member,
 * guard field ("" = none), then per limit: max, windowMs, reserve.
 * Returns the guard's value when it is set, else 0 when taken, else the milliseconds to wait for the limit that
 * frees last.
 */
const NOW = `
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

const ACQUIRE = new LuaScript(`${NOW}
local first = 1
if ARGV[3] ~= '' then
  local done = redis.call('HGET', KEYS[1], ARGV[3])
  if done then return done end
  first = 2
end
local now = clock(ARGV[1])
local wait = 0
for i = first, #KEYS do
  local a = 3 * (i - first) + 4
  local max = tonumber(ARGV[a])
  local window = tonumber(ARGV[a + 1])
  local reserve = tonumber(ARGV[a + 2])
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
for i = first, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[3 * (i - first) + 5]) + 1000)
end
return 0
`);

/**
 * A taken slot is moved to when its request actually left: the platform counts arrivals, and a request that
 * waited after taking its slot (a busy event loop, a token fetch) would otherwise leave its slot to age out
 * early and bunch with the next window's sends. GT: a slot only moves later; one that aged out while its
 * request was in flight is counted again. The work may be marked done in the same script (a guard's field set:
 * the delivery's message ref saved), one command where there were two.
 * KEYS: one per limit, then the mark's hash when ARGV[3] names a field. ARGV: at ("" = Redis' clock), member,
 * mark field ("" = none), mark value, mark TTL in seconds, then per limit windowMs.
 */
const SETTLE = new LuaScript(`${NOW}
local n = #KEYS
if ARGV[3] ~= '' then n = n - 1 end
if n > 0 then
  local at = clock(ARGV[1])
  for i = 1, n do
    redis.call('ZADD', KEYS[i], 'GT', at, ARGV[2])
    redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[5 + i]) + 1000)
  end
end
-- Last: a mark that cannot be written (an error ends the script) leaves the slots settled.
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[n + 1], ARGV[3], ARGV[4])
  redis.call('EXPIRE', KEYS[n + 1], ARGV[5])
end
return 0
`);

/** A hash field whose presence says the work a slot is for is already done (a delivery's message ref). */
export interface Guard {
  key: string;
  field: string;
}

/** A guard's field set with the settle: the work done, what it left (a message ref) and how long it is kept. */
export interface Mark extends Guard {
  value: string;
  ttlSeconds: number;
}

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

  /**
   * As acquire, and name the slot taken so settle() can move it to the moment the request went out. With a guard
   * (its hash with no limits still read): when its field is set, nothing is taken and `done` is its value.
   */
  async take(
    limits: readonly Limit[],
    now?: number,
    guard?: Guard,
  ): Promise<{ wait: number; slot?: string; done?: string }> {
    if (!limits.length) {
      const done = guard ? await this.redis.hget(guard.key, guard.field) : null;
      return done === null ? { wait: 0 } : { wait: 0, done };
    }
    const member = `${process.pid}-${++this.seq}-${Math.random().toString(36).slice(2, 10)}`;
    const args: string[] = [now === undefined ? "" : String(now), member, guard?.field ?? ""];
    for (const l of limits) args.push(String(l.max), String(l.windowMs), String(Math.min(l.reserve ?? 0, l.max - 1)));
    const keys = limits.map((l) => `${this.prefix}:rl:${l.key}`);
    const answer = await ACQUIRE.run(this.redis, guard ? [guard.key, ...keys] : keys, args);
    if (typeof answer === "string") return { wait: 0, done: answer };
    const wait = Number(answer);
    return wait === 0 ? { wait, slot: member } : { wait };
  }

  /**
   * The request of a taken slot has been sent (or failed after leaving): count it from `at`; with `mark`, the work
   * is marked done in the same script (also with no limits: then that is all it does).
   */
  async settle(limits: readonly Limit[], slot: string, at?: number, mark?: Mark): Promise<void> {
    if (!limits.length && !mark) return;
    const keys = limits.map((l) => `${this.prefix}:rl:${l.key}`);
    if (mark) keys.push(mark.key);
    const when = at === undefined ? "" : String(at);
    const marked = mark ? [mark.field, mark.value, String(mark.ttlSeconds)] : ["", "", ""];
    await SETTLE.run(this.redis, keys, [when, slot, ...marked, ...limits.map((l) => String(l.windowMs))]);
  }

  /** A taken slot whose request was never sent (the work turned out to be done elsewhere): give it back. */
  async cancel(limits: readonly Limit[], slot: string): Promise<void> {
    const m = this.redis.multi();
    for (const l of limits) m.zrem(`${this.prefix}:rl:${l.key}`, slot);
    await m.exec();
  }
}
