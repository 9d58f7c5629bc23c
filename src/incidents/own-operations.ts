/**
 * The bot's own operations, recognised when DataWorks asks about them. A rerun, set-success or stop started from
 * chat makes DataWorks publish its pre-event (pre-rerun-instance, pre-set-instance-success, pre-kill-instance:
 * /work/shared/dataworks catalog rows 26–28, data.taskIds the instances). When this bot's extension answers that
 * check, the one it caused — same operation, same instances, within incidents.ownOperationWindow — is answered OK
 * from the chat authorization already given, with no second card (ApprovalService.start asks here first).
 */
import type { ChatUser } from "../access/people.js";
import type { DwEvent } from "../core/event.js";
import { catalogEntry } from "../dataworks/catalog.js";
import type { RedisClient } from "../redis/connect.js";
import type { IncidentOp } from "./types.js";

/** The pre-event DataWorks publishes before each operation, by event code. */
export const PRE_EVENTS: Readonly<Record<string, IncidentOp>> = {
  "pre-rerun-instance": "rerun",
  "pre-set-instance-success": "set-success",
  "pre-kill-instance": "stop",
};

export interface OwnOperation {
  op: IncidentOp;
  by: ChatUser;
  at: number;
}

export class OwnOperations {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly windowMs: number;

  constructor(redis: RedisClient, prefix: string, windowMs: number) {
    this.redis = redis;
    this.prefix = prefix;
    this.windowMs = windowMs;
  }

  private key(op: IncidentOp, instanceId: string) {
    return `${this.prefix}:own-op:${op}:${instanceId}`;
  }

  /** Before the bot calls DataWorks: the pre-event may arrive before the API call returns. */
  async record(instanceId: string, o: OwnOperation): Promise<void> {
    await this.redis.set(this.key(o.op, instanceId), JSON.stringify(o), "PX", this.windowMs);
  }

  /** The call failed: DataWorks did not start it, so no pre-event of it is to be answered. */
  async forget(instanceId: string, op: IncidentOp): Promise<void> {
    await this.redis.del(this.key(op, instanceId));
  }

  /**
   * The operation of ours this pre-event is about, when every instance it names was operated on by the bot within
   * the window (a batch from the Operation Center that merely includes one of ours is not ours). Undefined otherwise.
   */
  async match(e: DwEvent): Promise<OwnOperation | undefined> {
    const code = catalogEntry(e.type, e.eventCode)?.eventCode ?? e.eventCode;
    const op = code ? PRE_EVENTS[code] : undefined;
    const ids = Array.isArray(e.data.taskIds) ? e.data.taskIds.map(String).filter((i) => /^\d{1,19}$/.test(i)) : [];
    if (!op || ids.length === 0 || ids.length !== (e.data.taskIds as unknown[]).length) return undefined;
    const found = await this.redis.mget(ids.map((i) => this.key(op, i)));
    if (found.some((f) => f === null)) return undefined;
    return JSON.parse(found[0] as string) as OwnOperation;
  }
}
