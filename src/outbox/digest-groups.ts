import type { RedisClient } from "../redis/connect.js";
import { LuaScript } from "../redis/lua-script.js";

/**
 * Events waiting for a destination, by digest group: a hash jobId → eventId per (destination, group). The
 * delivery that gets the next slot claims every waiting member at once and sends them as one message; the
 * others find they were claimed and finish without sending. A claim is kept until its send succeeds, so a
 * retried or crashed delivery sends the same events again instead of losing them: every event is counted
 * in exactly one message.
 */
const CLAIM = new LuaScript(`
local existing = redis.call('GET', KEYS[2])
if existing then return existing end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 'covered' end
local members
if ARGV[2] == 'all' then
  members = redis.call('HGETALL', KEYS[1])
  redis.call('DEL', KEYS[1])
else
  members = {ARGV[1], redis.call('HGET', KEYS[1], ARGV[1])}
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local encoded = cjson.encode(members)
redis.call('SET', KEYS[2], encoded, 'EX', 604800)
return encoded
`);

/**
 * Join once per delivery job: an events job re-run after its worker died (BullMQ's stalled-job check) would
 * otherwise put an already-sent delivery back in its group, to be counted in a second message.
 * KEYS: per member, group key then joined key. ARGV: per member, jobId then eventId.
 */
const ADD = new LuaScript(`
for i = 1, #KEYS, 2 do
  local j = (i + 1) / 2
  if redis.call('SET', KEYS[i + 1], '1', 'NX', 'EX', 604800) then
    redis.call('HSET', KEYS[i], ARGV[2 * j - 1], ARGV[2 * j])
    redis.call('EXPIRE', KEYS[i], 604800)
  end
end
return 0
`);

export class DigestGroups {
  private readonly redis: RedisClient;
  private readonly prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  private groupKey(destination: string, group: string) {
    return `${this.prefix}:dg:${destination}:${group}`;
  }
  private claimKey(jobId: string) {
    return `${this.prefix}:dgclaim:${jobId}`;
  }

  /** Called at fan-out: every delivery job of an event joins its group (once ever) in one round trip. */
  async add(...members: Array<{ destination: string; group: string; jobId: string; eventId: string }>): Promise<void> {
    if (!members.length) return;
    const keys = members.flatMap((x) => [this.groupKey(x.destination, x.group), `${this.prefix}:dgjoined:${x.jobId}`]);
    const args = members.flatMap((x) => [x.jobId, x.eventId]);
    await ADD.run(this.redis, keys, args);
  }

  /** Is this delivery still waiting (not yet covered by another delivery's message)? */
  async waiting(destination: string, group: string, jobId: string): Promise<boolean> {
    return (await this.redis.hexists(this.groupKey(destination, group), jobId)) === 1;
  }

  async existingClaim(jobId: string): Promise<Array<{ jobId: string; eventId: string }> | undefined> {
    const v = await this.redis.get(this.claimKey(jobId));
    return v ? pairs(v) : undefined;
  }

  /**
   * Take every waiting member of the group for this delivery (`only: "self"`: just its own event, a send
   * within the group's burst), idempotent per jobId. "covered" when another delivery claimed this one in the
   * meantime (between waiting() and here): it must then send nothing.
   */
  async claim(
    destination: string,
    group: string,
    jobId: string,
    only: "all" | "self" = "all",
  ): Promise<Array<{ jobId: string; eventId: string }> | "covered"> {
    const v = (await CLAIM.run(
      this.redis,
      [this.groupKey(destination, group), this.claimKey(jobId)],
      [jobId, only],
    )) as string;
    return v === "covered" ? "covered" : pairs(v);
  }

  /** The claimed events were sent. */
  async release(jobId: string): Promise<void> {
    await this.redis.del(this.claimKey(jobId));
  }
}

/** cjson encodes HGETALL's flat array; an empty hash encodes as {}. */
function pairs(encoded: string): Array<{ jobId: string; eventId: string }> {
  const flat = JSON.parse(encoded) as unknown;
  if (!Array.isArray(flat)) return [];
  const out: Array<{ jobId: string; eventId: string }> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push({ jobId: String(flat[i]), eventId: String(flat[i + 1]) });
  return out;
}
