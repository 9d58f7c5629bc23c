import type { ChatUser } from "../access/people.js";
import type { IncidentActions } from "../config/sections/incident-actions.js";
import type { MessageRef } from "../core/chat-adapter.js";
import type { DwEvent } from "../core/event.js";

/**
 * Where a tracked instance stands. open: failed, nobody on it; acknowledged: failed, someone on it; running: rerun
 * (or a running instance a route shows with Stop); recovered: succeeded or set to success; stopped: stopped.
 */
export type IncidentState = "open" | "acknowledged" | "running" | "recovered" | "stopped";

/** The operations that call DataWorks. */
export type IncidentOp = "rerun" | "set-success" | "stop";
export const INCIDENT_OPS: readonly IncidentOp[] = ["rerun", "set-success", "stop"];

export type TimelineKind =
  | "failed"
  | "acknowledged"
  | "taken-over"
  | "rerun-requested"
  | "rerun"
  | "set-success"
  | "stopped"
  | "running"
  | "succeeded"
  | "escalated";

/** One line of the incident's story ("rerun by 王芳 02:06"). */
export interface TimelineEntry {
  at: number;
  kind: TimelineKind;
  by?: ChatUser;
  /** taken-over: who had it before. */
  from?: ChatUser;
  /** Free words: an error, who was mentioned by an escalation. Plain text. */
  detail?: string;
}

/** Who is on it and since when; `from` is who they took it over from. */
export interface Acknowledgement {
  by: ChatUser;
  since: number;
  from?: ChatUser;
}

/** What is known of the instance when its incident opens (the failure event, enriched). */
export interface IncidentFacts {
  /** The instance id (`data.taskId`): the incident's key. */
  instanceId: string;
  nodeId?: string;
  nodeName?: string;
  /** Business date as shown, "2026-12-06". */
  bizDate?: string;
  /** The workspace (`data.appId`). */
  projectId?: string;
  /** The event's region (aliyunregionid): where the API is called. */
  region?: string;
  /** The node owner's DataWorks UID, when enrichment found it (actions.owner). */
  ownerUid?: string;
  /** The event that opened (or last re-opened) it. */
  eventId: string;
}

/** An operation in flight (claimed, its job not yet finished). */
export interface PendingOp {
  op: IncidentOp;
  by: ChatUser;
  at: number;
}

/** The last finished operation: what the message shows ("Rerun requested by 王芳" or the API's error). */
export interface OpResult {
  op: IncidentOp;
  by: ChatUser;
  at: number;
  ok: boolean;
  /** The API's message in plain words (never a secret). */
  error?: string;
  /** No answer from DataWorks and the instance does not show the operation (yet): it may or may not have happened. */
  unknown?: boolean;
}

export interface Incident extends IncidentFacts {
  state: IncidentState;
  openedAt: number;
  ack?: Acknowledgement;
  pending?: PendingOp;
  lastOp?: OpResult;
  /** The messages that show this instance, one per destination (every copy is updated). */
  refs: MessageRef[];
  /** Per destination, the route's `actions` that posted there (buttons and who may press them). */
  actions: Record<string, IncidentActions>;
  /** The event that opened it (or last re-opened it), to render its message again. */
  event?: DwEvent;
  /** Oldest first, the last TIMELINE_MAX entries. */
  timeline: TimelineEntry[];
}
