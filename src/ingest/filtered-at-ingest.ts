/**
 * Filtered events without a job (issue 19). An event the notify filter drops for certain is recorded in the recent
 * events, counted (HGETALL <prefix>:notify:filtered) and deduplicated by the ingest request itself, in one script,
 * instead of becoming an events job that would do exactly that and stop. Everything else is queued as before.
 *
 * "For certain" is what the events worker would decide, with this process' config:
 * - the pure verdict (notifyVerdict) drops it, and
 * - the incident tracker (src/incidents/track.ts) would neither write anything for it nor call it a follow-up: a
 *   failure is always queued (the tracker remembers every failure, notified or not); a running instance is
 *   filtered only when its node's remembered failure is not that instance, a success (recoveries on) only when its
 *   node has no remembered failure — read atomically in the script, from the keys track() reads.
 * A failure still waiting in the events queue is not remembered yet, and a later status of its instance must not be
 * filtered past it: so every failure marks its node at ingest, before the 2xx (`failing`, kept as long as a failure
 * is remembered), and the script sends any running of a marked instance, and any success of a marked node, down the
 * job path too. The marks are never cleared early: a success of a node that failed within failureMemory takes the
 * job path, which is today's path. Within one request, events of a node that fails in that same request are queued.
 *
 * Deduplication uses BullMQ's own key (<queue>:de:<dedupeKey>) with the same window: SET NX PX, as the add script
 * does. A later add of the same event finds the key and answers with its value instead of the fresh job id, which
 * ingestEvents counts as a duplicate; a filtered copy after a queued one finds the key here. Either way one outcome.
 */
import type { NotificationsConfig } from "../config/sections/notifications.js";
import type { DwEvent } from "../core/event.js";
import { failureKey, failureMemory } from "../incidents/track.js";
import type { Logger } from "../logger.js";
import { filteredKey, type NotifyReason, notifyVerdict } from "../notify/notify-filter.js";
import type { RedisClient } from "../redis/connect.js";
import { LuaScript } from "../redis/lua-script.js";
import { RECORD_RECENT_LUA, type RecentEvents, storedValue } from "../state/recent-events.js";

/** What has to hold in Redis for the event to be filtered without a job. */
export type IngestGuard =
  /** Nothing: the tracker never follows this event (another status, no node, not an instance event). */
  | { kind: "none" }
  /** A running instance: not the failed instance its node remembers, nor one whose failure is still queued. */
  | { kind: "running"; nodeId: string; instanceId: string }
  /** A success that would claim its node's failure (recoveries on): no failure remembered or queued for the node. */
  | { kind: "success"; nodeId: string };

export interface FilterCandidate {
  reason: NotifyReason;
  guard: IngestGuard;
}

/** Pure: the event the events worker would filter, if the guard holds; undefined: it is queued, as always. */
export function filterCandidate(event: DwEvent, config: Readonly<NotificationsConfig>): FilterCandidate | undefined {
  const verdict = notifyVerdict(event, config);
  if (verdict.notify) return undefined;
  const { reason } = verdict;
  const memory = failureMemory(event, config);
  if (!memory) return { reason, guard: { kind: "none" } };
  const { nodeId, instanceId, status } = memory;
  if (status === "failed") return undefined;
  if (status === "running") return { reason, guard: { kind: "running", nodeId, instanceId } };
  if (memory.claims) return { reason, guard: { kind: "success", nodeId } };
  return { reason, guard: { kind: "none" } };
}

/** Pure: the node and instance a failure marks at ingest (see above); undefined for anything else. */
export function failureMark(
  event: DwEvent,
  config: Readonly<NotificationsConfig>,
): { nodeId: string; instanceId: string } | undefined {
  const memory = failureMemory(event, config);
  return memory?.status === "failed" ? { nodeId: memory.nodeId, instanceId: memory.instanceId } : undefined;
}

/**
 * KEYS: dedupe, recent index, recent data, filtered counter, remembered failure, failures marked at ingest.
 * ARGV: guard, instance id, dedupe value, window ms, event id, received at, stored event, recent max, counter field.
 * Returns 'job' (the guard does not hold: queue it), 'duplicate' or 'filtered'.
 */
const FILTER = new LuaScript(`${RECORD_RECENT_LUA}
local guard = ARGV[1]
if guard == 'running' then
  if redis.call('GET', KEYS[5]) == ARGV[2] or redis.call('SISMEMBER', KEYS[6], ARGV[2]) == 1 then return 'job' end
elseif guard == 'success' then
  if redis.call('EXISTS', KEYS[5], KEYS[6]) > 0 then return 'job' end
end
if not redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4], 'NX') then return 'duplicate' end
recordRecent(KEYS[2], KEYS[3], ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8]))
redis.call('HINCRBY', KEYS[4], ARGV[9], 1)
return 'filtered'
`);

/** KEYS: nodes' failures marked at ingest. ARGV: ttl ms, then the instance id of each key. */
const MARK = new LuaScript(`
for i, key in ipairs(KEYS) do
  redis.call('SADD', key, ARGV[i + 1])
  redis.call('PEXPIRE', key, ARGV[1])
end
`);

/** The value a filtered event leaves in BullMQ's deduplication key (where a queued one leaves its job id). */
export const FILTERED_DEDUPE_VALUE = "filtered-at-ingest";

export type FilterOutcome = "filtered" | "duplicate" | "job";

export interface FilteredAtIngestDeps {
  /** The events queue's connection (BullMQ's): the scripts go out in the same write as the request's add. */
  redis: RedisClient;
  prefix: string;
  notifications: Readonly<NotificationsConfig>;
  recent: Pick<RecentEvents, "index" | "data" | "max">;
  /** BullMQ's deduplication key prefix of the events queue (`queue.keys.de`). */
  dedupePrefix: string;
  logger: Logger;
  /**
   * Runs `fn` at the end of this event-loop turn, before the turn's commands are written (IngestQueue.atTurnEnd):
   * the turn's failure marks go out as one script.
   */
  atTurnEnd: (fn: () => void) => void;
}

/** The failure marks of one turn, sent as one MARK script: node key and instance id by `key\0instance`. */
interface MarkBatch {
  marks: Map<string, { key: string; instanceId: string }>;
  sent: PromiseWithResolvers<void>;
}

export class FilteredAtIngest {
  private readonly d: FilteredAtIngestDeps;
  private marks: MarkBatch | undefined;
  private readonly sendMarks = () => {
    const batch = this.marks;
    if (!batch) return;
    this.marks = undefined;
    const marks = [...batch.marks.values()];
    MARK.run(
      this.d.redis,
      marks.map((m) => m.key),
      [this.d.notifications.failureMemory, ...marks.map((m) => m.instanceId)],
    ).then(() => batch.sent.resolve(), batch.sent.reject);
  };

  constructor(d: FilteredAtIngestDeps) {
    this.d = d;
  }

  candidate(event: DwEvent): FilterCandidate | undefined {
    return filterCandidate(event, this.d.notifications);
  }

  failure(event: DwEvent): { nodeId: string; instanceId: string } | undefined {
    return failureMark(event, this.d.notifications);
  }

  /**
   * Mark a failure's node before its request is answered (see above). Idempotent. The marks of one event-loop turn
   * leave together at its end, in one script (its requests answer after that turn's add anyway); any filter sent
   * before then sends them first, so a mark still precedes every later request's filter in Redis.
   */
  mark(failure: { nodeId: string; instanceId: string }): Promise<void> {
    let batch = this.marks;
    if (!batch) {
      batch = { marks: new Map(), sent: Promise.withResolvers() };
      this.marks = batch;
      this.d.atTurnEnd(this.sendMarks);
    }
    const key = failingKey(this.d.prefix, failure.nodeId);
    batch.marks.set(`${key}\u0000${failure.instanceId}`, { key, instanceId: failure.instanceId });
    return batch.sent.promise;
  }

  /** Filter the event without a job if its guard holds; `dedupeId`: its dedupeKey. One script, one round trip. */
  async filter(
    event: DwEvent,
    c: FilterCandidate,
    dedupeId: string,
    windowMs: number,
    receivedAt: number,
  ): Promise<FilterOutcome> {
    this.sendMarks(); // the marks of this turn's earlier failures precede this filter
    const { prefix, recent } = this.d;
    const nodeId = c.guard.kind === "none" ? "" : c.guard.nodeId;
    const outcome = (await FILTER.run(
      this.d.redis,
      [
        `${this.d.dedupePrefix}:${dedupeId}`,
        recent.index,
        recent.data,
        filteredKey(prefix),
        failureKey(prefix, nodeId),
        failingKey(prefix, nodeId),
      ],
      [
        c.guard.kind,
        c.guard.kind === "running" ? c.guard.instanceId : "",
        FILTERED_DEDUPE_VALUE,
        windowMs,
        event.id,
        receivedAt,
        storedValue(event, receivedAt),
        recent.max,
        event.eventCode || event.type,
      ],
    )) as FilterOutcome;
    if (outcome === "filtered")
      this.d.logger.info(
        { eventId: event.id, type: event.type, reason: c.reason, atIngest: true },
        "filtered by notifications; event stored but not sent",
      );
    return outcome;
  }
}

/** The instances of a node whose failures were marked at ingest (kept notifications.failureMemory). */
export const failingKey = (prefix: string, nodeId: string) => `${prefix}:notify:failing:${nodeId}`;
