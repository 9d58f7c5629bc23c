import type { IncidentAudit } from "../incidents/store.js";
import type { RedisClient } from "../redis/connect.js";
import { LuaScript } from "../redis/lua-script.js";
import type { MessageRef } from "../core/chat-adapter.js";
import type { DwEvent, Unanswered } from "../core/event.js";
import { newApprovalId } from "./approval-id.js";
import type { SettledFacts } from "./snapshot/fetch.js";
import { fullDiffKey } from "./snapshot/full-diff.js";
import {
  type Approval,
  type ApprovalFacts,
  type DataWorksDelivery,
  type Decision,
  type RiskHighlight,
  stateFor,
} from "./types.js";

/**
 * Create-if-absent keyed by the event (source + MessageId): a re-delivered event finds its approval
 * instead of making a second one.
 */
const CREATE = new LuaScript(`
local existing = redis.call('GET', KEYS[1])
if existing then return {existing, 0} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('HSET', KEYS[2], 'approval', ARGV[2], 'state', 'pending', 'policies', 'pending')
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return {ARGV[1], 1}
`);

/**
 * The first decision wins, across any number of bot instances: only a pending approval takes one. A person
 * decides only once the policies have run (a freeze policy must not be beaten by a quick click) and only before
 * the deadline (its score in the pending set): a late click loses to the timeout even when no worker has
 * applied it yet. ARGV: state, decision, id, decided by a person ("1"/"0"), now.
 */
const DECIDE = new LuaScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing'} end
if state ~= 'pending' then return {'decided', redis.call('HGET', KEYS[1], 'decision') or '{}'} end
if redis.call('HEXISTS', KEYS[1], 'notOurs') == 1 then return {'notOpen'} end
if ARGV[4] == '1' then
  if redis.call('HEXISTS', KEYS[1], 'policies') == 1 then return {'notOpen'} end
  local deadline = redis.call('ZSCORE', KEYS[2], ARGV[3])
  if deadline and tonumber(ARGV[5]) >= tonumber(deadline) then return {'expired'} end
end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'decision', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'kind', 'decision', 'approvalId', ARGV[3], 'decision', ARGV[2])
return {'ok'}
`);

/**
 * Close an approval DataWorks does not wait on us for (extension-bindings.ts): only while nobody could have decided
 * it yet (pending, policies not run), in one step with its audit entry. ARGV: id, why (JSON). Returns 1 when this
 * call closed it, 0 when it already was, -1 when it is past that point (opened or decided: left as it is).
 */
const CLOSE_NOT_OURS = new LuaScript(`
if redis.call('HEXISTS', KEYS[1], 'notOurs') == 1 then return 0 end
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' or redis.call('HEXISTS', KEYS[1], 'policies') == 0 then return -1 end
redis.call('HSET', KEYS[1], 'notOurs', ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'kind', 'notOurs', 'approvalId', ARGV[1], 'notOurs', ARGV[2])
return 1
`);

/** Take the lock unless someone else holds it (its holder may take it again). ARGV: owner, ttl ms. */
const LOCK = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/** Release the lock only if `owner` still holds it (after an expiry it may be someone else's). */
const UNLOCK = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * The approval's facts: "loading" only where there are none yet, settled facts only once (they never change after),
 * their highlights with them, and the whole diff beside the approval for as long as it lives. ARGV: facts JSON,
 * settled ("1"/"0"), highlights JSON or "", whole diff or "". Returns 1 when written, 0 when facts were already
 * settled (or loading was asked for and some exist), -1 when the approval is gone.
 */
const SET_FACTS = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local settled = redis.call('HGET', KEYS[1], 'factsSettled')
if settled == '1' then return 0 end
if ARGV[2] == '0' and settled then return 0 end
redis.call('HSET', KEYS[1], 'facts', ARGV[1], 'factsSettled', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'highlights', ARGV[3]) end
if ARGV[4] ~= '' then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('SET', KEYS[2], ARGV[4], 'PX', ttl) else redis.call('SET', KEYS[2], ARGV[4]) end
end
return 1
`);

export type DecideResult =
  | { ok: true; approval: Approval }
  | { ok: false; reason: "missing" | "notOpen" | "expired" }
  | { ok: false; reason: "decided"; decision: Decision };

export interface AuditEntry {
  id: string;
  kind: "decision" | "dataworks" | "notOurs" | "incident";
  approvalId: string;
  decision?: Decision;
  dataworks?: DataWorksDelivery;
  /** kind notOurs: closed without an answer, because DataWorks does not wait on this bot for it. */
  notOurs?: Unanswered;
  /** kind incident: an acknowledgement or an operation on an instance from chat (src/incidents/store.ts). */
  incident?: IncidentAudit;
}

/** Approvals in Redis: a hash per approval, a sorted set of pending ones by deadline, and an audit stream. */
export class ApprovalStore {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  /** Approvals are kept this long after creation (status page, audit context). */
  private readonly retentionMs: number;

  constructor(redis: RedisClient, prefix: string, retentionMs = 30 * 86_400_000) {
    this.redis = redis;
    this.prefix = prefix;
    this.retentionMs = retentionMs;
  }

  private key(id: string) {
    return `${this.prefix}:approval:${id}`;
  }
  private get pendingKey() {
    return `${this.prefix}:approvals:pending`;
  }
  private get auditKey() {
    return `${this.prefix}:audit`;
  }

  async create(
    event: DwEvent,
    a: Pick<Approval, "route" | "routeConfig" | "deadline" | "timeoutOutcome">,
    now = Date.now(),
  ): Promise<{ id: string; created: boolean }> {
    const id = newApprovalId();
    const approval: Approval = { id, event, createdAt: now, state: "pending", cards: [], ...a };
    const byEvent = `${this.prefix}:approval-by-event:${event.source}:${event.id}`;
    const res = (await CREATE.run(
      this.redis,
      [byEvent, this.key(id), this.pendingKey],
      [id, JSON.stringify(approval), String(a.deadline), String(this.retentionMs)],
    )) as [string, number];
    return { id: res[0], created: res[1] === 1 };
  }

  async idForEvent(event: Pick<DwEvent, "source" | "id">): Promise<string | undefined> {
    return (await this.redis.get(`${this.prefix}:approval-by-event:${event.source}:${event.id}`)) ?? undefined;
  }

  async get(id: string): Promise<Approval | undefined> {
    if (!/^[A-Za-z0-9_-]{10,64}$/.test(id)) return undefined;
    const h = await this.redis.hgetall(this.key(id));
    if (!h.approval) return undefined;
    const a = JSON.parse(h.approval) as Approval;
    a.state = (h.state as Approval["state"]) ?? a.state;
    if (h.route) Object.assign(a, JSON.parse(h.route) as Partial<Approval>);
    if (h.decision) a.decision = JSON.parse(h.decision) as Decision;
    if (h.dataworks) a.dataworks = JSON.parse(h.dataworks) as DataWorksDelivery;
    if (h.policies) a.awaitingPolicies = true;
    if (h.notOurs) a.notOurs = JSON.parse(h.notOurs) as Unanswered;
    if (h.facts) a.facts = JSON.parse(h.facts) as ApprovalFacts;
    if (h.highlights) a.highlights = JSON.parse(h.highlights) as RiskHighlight[];
    a.cards = Object.entries(h)
      .filter(([k]) => k.startsWith("card:"))
      .map(([, v]) => JSON.parse(v) as MessageRef);
    return a;
  }

  /** Atomically take the first decision (and audit it in the same script). Later callers get the winner. */
  async decide(id: string, decision: Decision): Promise<DecideResult> {
    const res = (await DECIDE.run(
      this.redis,
      [this.key(id), this.pendingKey, this.auditKey],
      [stateFor(decision), JSON.stringify(decision), id, decision.by.kind === "human" ? "1" : "0", String(decision.at)],
    )) as string[];
    if (res[0] === "missing" || res[0] === "notOpen" || res[0] === "expired") return { ok: false, reason: res[0] };
    if (res[0] === "decided") return { ok: false, reason: "decided", decision: JSON.parse(res[1] ?? "{}") as Decision };
    const approval = await this.get(id);
    if (!approval) return { ok: false, reason: "missing" };
    return { ok: true, approval };
  }

  /**
   * A pending approval recorded when no route matched (the receiving process's config had none) takes the route
   * a newer config gives it, with that route's deadline.
   */
  async adoptRoute(id: string, r: Pick<Approval, "route" | "routeConfig" | "deadline" | "timeoutOutcome">) {
    await this.redis
      .multi()
      .hset(this.key(id), "route", JSON.stringify(r))
      .zadd(this.pendingKey, "XX", r.deadline, id)
      .exec();
  }

  /** The card goes out before the snapshot: it says "loading" until setFacts. False when facts exist already. */
  async markFactsLoading(id: string): Promise<boolean> {
    return (await this.writeFacts(id, { status: "loading" }, false)) === 1;
  }

  /**
   * The snapshot's facts, once: true when written, false when the approval already has settled facts (a retry, or
   * another worker was first) or is gone. `wholeDiff` is kept under its own key (snapshot/full-diff.ts).
   */
  async setFacts(
    id: string,
    facts: SettledFacts,
    o: { highlights?: RiskHighlight[]; wholeDiff?: string } = {},
  ): Promise<boolean> {
    return (await this.writeFacts(id, facts, true, o.highlights, o.wholeDiff)) === 1;
  }

  private async writeFacts(
    id: string,
    facts: ApprovalFacts,
    settled: boolean,
    highlights?: RiskHighlight[],
    wholeDiff?: string,
  ): Promise<number> {
    return Number(
      await SET_FACTS.run(
        this.redis,
        [this.key(id), fullDiffKey(this.prefix, id)],
        [
          JSON.stringify(facts),
          settled ? "1" : "0",
          highlights?.length ? JSON.stringify(highlights) : "",
          wholeDiff ?? "",
        ],
      ),
    );
  }

  /** The policies have run and left the decision to people: clicks and commands may now decide. */
  async open(id: string): Promise<void> {
    await this.redis.hdel(this.key(id), "policies");
  }

  /**
   * Recorded at ingest, but DataWorks does not wait on this bot for it: nobody may decide it, it leaves the pending
   * list, and the audit says why. False when it was already opened or decided (then it stays as it is).
   */
  async closeNotOurs(id: string, why: Unanswered): Promise<boolean> {
    const res = await CLOSE_NOT_OURS.run(
      this.redis,
      [this.key(id), this.pendingKey, this.auditKey],
      [id, JSON.stringify(why)],
    );
    return res !== -1;
  }

  /** An approval nobody will answer (approvals.unmatched: ignore) leaves the pending list. */
  async unlist(id: string): Promise<void> {
    await this.redis.zrem(this.pendingKey, id);
  }

  /**
   * A posted card and what it shows (the render key it was rendered from), in one write: an update that finds
   * the card also finds what it shows, so it never repeats it.
   */
  async addCard(id: string, ref: MessageRef, shows: string): Promise<void> {
    await this.redis.hset(
      this.key(id),
      `card:${ref.destination}`,
      JSON.stringify(ref),
      `shows:${ref.destination}`,
      shows,
    );
  }

  /** The render key a card copy shows now (set when it was posted or last updated). */
  async cardShows(id: string, destination: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key(id), `shows:${destination}`)) ?? undefined;
  }

  async setCardShows(id: string, destination: string, shows: string): Promise<void> {
    await this.redis.hset(this.key(id), `shows:${destination}`, shows);
  }

  /**
   * One update of a card copy at a time, across every instance: true when `owner` (the update job's id) holds the
   * lock, also when it already did (a re-run of a job whose worker died). Expires so a dead holder blocks no one.
   */
  async lockCard(id: string, destination: string, owner: string, ttlMs: number): Promise<boolean> {
    const res = await LOCK.run(this.redis, [this.cardLockKey(id, destination)], [owner, String(ttlMs)]);
    return res === 1;
  }

  async unlockCard(id: string, destination: string, owner: string): Promise<void> {
    await UNLOCK.run(this.redis, [this.cardLockKey(id, destination)], [owner]);
  }

  private cardLockKey(id: string, destination: string) {
    return `${this.prefix}:card-lock:${id}:${destination}`;
  }

  /** Record the DataWorks outcome; final outcomes are audited too. */
  async setDataWorks(id: string, d: DataWorksDelivery): Promise<void> {
    const m = this.redis.multi().hset(this.key(id), "dataworks", JSON.stringify(d));
    if (d.status !== "sending")
      m.xadd(
        this.auditKey,
        "MAXLEN",
        "~",
        "100000",
        "*",
        "kind",
        "dataworks",
        "approvalId",
        id,
        "dataworks",
        JSON.stringify(d),
      );
    await m.exec();
  }

  /** Pending approvals, soonest deadline first. */
  async pending(limit = 50): Promise<Approval[]> {
    const ids = await this.redis.zrange(this.pendingKey, "0", String(limit - 1));
    const all = await Promise.all(ids.map((id) => this.get(id)));
    // An approval kept past its retention is gone from Redis; its pending entry goes with it.
    const gone = ids.filter((_, i) => !all[i]);
    if (gone.length) await this.redis.zrem(this.pendingKey, ...gone);
    return all.filter((a): a is Approval => a?.state === "pending" && !a.awaitingPolicies);
  }

  /** How many approvals wait for a decision (the metrics gauge). */
  async pendingCount(): Promise<number> {
    return this.redis.zcard(this.pendingKey);
  }

  /** Newest first: decisions and DataWorks outcomes. Survives restarts (it is a Redis stream). */
  async auditLog(limit = 20): Promise<AuditEntry[]> {
    const entries = await this.redis.xrevrange(this.auditKey, "+", "-", "COUNT", limit);
    return entries.map(([id, fields]) => {
      const o: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) o[fields[i] as string] = fields[i + 1] as string;
      return {
        id,
        kind: o.kind === "dataworks" || o.kind === "notOurs" || o.kind === "incident" ? o.kind : "decision",
        approvalId: o.approvalId ?? "",
        ...(o.notOurs ? { notOurs: JSON.parse(o.notOurs) as Unanswered } : {}),
        ...(o.incident ? { incident: JSON.parse(o.incident) as IncidentAudit } : {}),
        ...(o.decision ? { decision: JSON.parse(o.decision) as Decision } : {}),
        ...(o.dataworks ? { dataworks: JSON.parse(o.dataworks) as DataWorksDelivery } : {}),
      };
    });
  }
}
