import type { ChatUser } from "../access/people.js";
import type { ApprovalRouteConfig } from "../config/sections/approvals.js";
import type { MessageRef } from "../core/chat-adapter.js";
import type { DwEvent, Unanswered } from "../core/event.js";
import type { CheckResult, DecisionInput, DecisionResult } from "../dataworks/decisions.js";
import type { SettledFacts } from "./snapshot/fetch.js";

export type { CheckResult };
export type ApprovalState = "pending" | "approved" | "blocked" | "expired";

/**
 * Who or what decided: a person from chat, a policy, the deadline, or no approval route. Stored as JSON in the
 * approval and the audit stream in exactly these shapes (a person's `name` is absent in older records).
 */
export type Decider =
  | ({ kind: "human" } & ChatUser)
  | { kind: "policy"; policy: string }
  | { kind: "timeout" }
  | { kind: "unmatched" }
  /** The bot's own operation (a rerun from chat) caused this check: the person who authorized it there. */
  | ({ kind: "chat"; op: string } & ChatUser);

/** Decided without a person or the deadline (a policy, or no route): a notice goes where cards would have. */
export const isAutomatic = (by: Decider): boolean =>
  by.kind === "policy" || by.kind === "unmatched" || by.kind === "chat";

export interface Decision {
  result: CheckResult;
  by: Decider;
  at: number;
  reason?: string;
}

/** Where the decision is on its way back to DataWorks. */
export interface DataWorksDelivery {
  status: "sending" | "accepted" | "failed";
  api?: string;
  requestId?: string;
  error?: string;
  at: number;
}

export interface Approval {
  /** Unguessable id (it appears in the public status page URL). */
  id: string;
  event: DwEvent;
  /** The approval route's name ("" when none matched). */
  route: string;
  /**
   * The route as configured when the approval was recorded. A process whose config lacks that name (a rolling
   * deploy with serve and worker on different configs) still asks the same approvers and never falls back to
   * `approvals.unmatched`.
   */
  routeConfig?: ApprovalRouteConfig;
  createdAt: number;
  deadline: number;
  timeoutOutcome: CheckResult;
  state: ApprovalState;
  decision?: Decision;
  dataworks?: DataWorksDelivery;
  cards: MessageRef[];
  /** Recorded at ingest, policies not yet evaluated: nobody may decide it from chat yet. */
  awaitingPolicies?: boolean;
  /** Closed unanswered: DataWorks does not wait on this bot for it (extension-bindings.ts). Nobody may decide it. */
  notOurs?: Unanswered;
  /**
   * What is being approved, from DataWorks' snapshot (absent on approvals recorded before snapshots existed, or with
   * approvals.snapshot.enabled false). Code texts are cut to snapshot/full-diff.ts MAX_STORED_CODE characters; the
   * whole diff is read with loadFullDiff.
   */
  facts?: ApprovalFacts;
  /** Lines of the new code or SQL that a policy's `when.codeMatches` picked out, for the card to highlight. */
  highlights?: RiskHighlight[];
}

/**
 * The snapshot as far as it is known: settled (ok / unavailable, see snapshot/fetch.ts) before the card goes out,
 * or "loading" when the fetch ran past its budget and a job fills it in and updates the cards. It only ever moves
 * loading → settled.
 */
export type ApprovalFacts = SettledFacts | { status: "loading" };

export interface RiskHighlight {
  /** The policy whose condition matched. */
  policy: string;
  /** 1-based line numbers in the new code (or SQL) and their text. */
  lines: { line: number; text: string }[];
}

/**
 * What a card shows changes with these; an update job is named by them. Facts change it once, from loading to
 * settled (a card without facts, or with settled ones, keeps the key it had before facts existed).
 */
export function renderKey(a: Pick<Approval, "state" | "dataworks" | "facts">): string {
  return `${a.state}.${a.dataworks?.status ?? "none"}${a.facts?.status === "loading" ? ".loading" : ""}`;
}

export function stateFor(d: Decision): ApprovalState {
  if (d.by.kind === "timeout") return "expired";
  return d.result === "FAIL" ? "blocked" : "approved";
}

/**
 * Returns a decision to DataWorks (UpdateIDEEventResult / UpdateWorkbenchEventResult / CallbackExtension): the
 * dataworks/decisions.ts sender, or the local stand-in. Throws a RemoteError (DataWorksApiError) that says whether
 * trying again can help.
 */
export type DecisionSender = (
  d: DecisionInput & { message: string },
) => Promise<Pick<DecisionResult, "api"> & { requestId?: string }>;
