import type { Queue } from "bullmq";
import { UNKNOWN_ACTION } from "../actions/router.js";
import { groupsAt } from "../access/roles.js";
import type { ApprovalRouteConfig } from "../config/sections/approvals.js";
import type { Config } from "../config/schema.js";
import type { ActionEvent, ActionReply } from "../core/chat-adapter.js";
import type { DwEvent, Unanswered } from "../core/event.js";
import {
  CARD_ANSWER_GRACE_MS,
  cardJobId,
  cardUpdateJobId,
  type DeliveryJobData,
  decisionJobId,
  PRIORITY,
  timeoutJobId,
} from "../jobs/queues.js";
import type { Logger } from "../logger.js";
import type { TemplateEngine } from "../templating/engine.js";
import { translate } from "../templating/i18n.js";
import { actedAt, approvalPath, approvalRouteMatcher, handlesApproval, lateHighlights } from "./approval-path.js";
import { authorize } from "./authorize.js";
import type { OwnOperations } from "../incidents/own-operations.js";
import type { OursGate } from "./ours.js";
import { clickDestination } from "./click-destination.js";
import { APPROVE, BLOCK } from "./card.js";
import { whoDecided } from "./describe.js";
import { routeFields, routeOf } from "./route-of.js";
import { FactsStep, type FactsSource } from "./snapshot/facts-step.js";
import type { ApprovalStore } from "./store.js";
import { type Approval, type CheckResult, type Decision, isAutomatic, renderKey } from "./types.js";

export interface ApprovalJobData {
  approvalId: string;
  /** How many times DataWorks throttled this decision with a wait of its own (src/jobs/retry-decision.ts). */
  throttled?: number;
}

export interface ApprovalServiceDeps {
  config: Readonly<Config>;
  store: ApprovalStore;
  templates: TemplateEngine;
  deliveries: Queue<DeliveryJobData>;
  approvals: Queue<ApprovalJobData>;
  logger: Logger;
  now?: () => number;
  /** The display name of whoever decides (cached platform lookups); undefined shows the id. Never throws. */
  userName?: (platform: string, userId: string) => Promise<string | undefined>;
  /** Only the checks DataWorks waits on this bot for (ours.ts); absent: every one (dataworks.bindings.check off). */
  ours?: OursGate;
  /** DataWorks' snapshot of what is approved (runtime/approvals.ts); absent: approvals carry no facts. */
  facts?: FactsSource;
  /** The bot's own reruns / set-success / stops from chat, whose pre-events are answered without a card. */
  ownOperations?: OwnOperations;
}

/** Approval cards are never digested and go before notifications. */
const CARD_PRIORITY = PRIORITY.approval;

/**
 * The approval flow: record at ingest → policies → cards → first click wins → decision queued (job id =
 * approval id) → returned to DataWorks → every card updated. The deadline is ours: a delayed job applies
 * the route's default outcome when no one has decided.
 */
export class ApprovalService {
  private readonly d: ApprovalServiceDeps;
  private readonly matchRoute: (e: DwEvent) => ApprovalRouteConfig | undefined;
  private readonly facts: FactsStep;

  constructor(deps: ApprovalServiceDeps) {
    this.d = deps;
    this.matchRoute = approvalRouteMatcher(deps.config);
    this.facts = new FactsStep({
      store: deps.store,
      approvals: deps.approvals,
      config: deps.config.approvals.snapshot,
      source: deps.facts,
      highlights: (e, facts) => lateHighlights(e, deps.config.approvals, actedAt(e, this.now()), facts),
    });
  }

  private now() {
    return (this.d.now ?? Date.now)();
  }

  /** See handlesApproval. */
  handles(e: DwEvent): boolean {
    return handlesApproval(this.d.config, e);
  }

  /** Events worker, before start(): undefined when DataWorks waits on us for `e`, else why not (ours.ts). */
  async screen(e: DwEvent, log: Logger): Promise<Unanswered | undefined> {
    return this.d.ours?.screen(e, log);
  }

  routeFor(e: DwEvent): ApprovalRouteConfig | undefined {
    return this.matchRoute(e);
  }

  /** The route an approval answers to (see routeOf). */
  routeOf(a: Approval): ApprovalRouteConfig | undefined {
    return routeOf(this.d.config, a);
  }

  /** Called by ingest before it answers 2xx: the approval exists in Redis before EventBridge is acknowledged. */
  async register(events: readonly DwEvent[]): Promise<void> {
    const now = this.now();
    const creating: Promise<unknown>[] = [];
    for (const e of events)
      if (this.handles(e)) creating.push(this.d.store.create(e, routeFields(this.routeFor(e), now), now));
    // Most ingest requests carry no extension point: nothing to wait for.
    if (creating.length) await Promise.all(creating);
  }

  /**
   * Events worker: policies first, then cards and the deadline. Idempotent on retries. Returns false when no
   * approval route applies, so the event is also routed as an ordinary notification.
   */
  async start(e: DwEvent, log: Logger): Promise<boolean> {
    if (await this.answerOwnOperation(e, log)) return true;
    const id = (await this.d.store.idForEvent(e)) ?? (await this.registerOne(e));
    let a = await this.d.store.get(id);
    if (!a) throw new Error(`approval ${id} for event ${e.id} vanished from Redis`);
    if (a.notOurs) return false; // closed unanswered (screen): never opened, never decided
    if (!a.route && a.state === "pending") {
      // Recorded by a process whose config had no matching route; this one may have one.
      const adopted = this.routeFor(e);
      if (adopted) {
        await this.d.store.adoptRoute(id, routeFields(adopted, a.createdAt));
        a = { ...a, ...routeFields(adopted, a.createdAt) };
      }
    }
    const route = this.routeOf(a);
    if (a.state !== "pending") {
      await this.afterDecision(a);
      // An automatic decision whose notice was never queued (the process died right after deciding): queue it.
      if (a.decision && isAutomatic(a.decision.by) && route) await this.postNotices(a, route);
      return Boolean(route);
    }
    // The deadline first: whatever fails after this (a policy, a card), the route's default outcome still comes.
    if (route) {
      const delay = Math.max(0, a.deadline - this.now());
      await this.d.approvals.add("timeout", { approvalId: id }, { jobId: timeoutJobId(id), delay });
    }
    // The snapshot next, within its budget: the policies read it, and it is stored before any card goes out.
    const facts = await this.facts.gather(a, log);
    const path = approvalPath(e, route, this.d.config.approvals, actedAt(e, this.now()), facts.forPolicies, (unknown) =>
      log.info({ approvalId: id, unknown }, "policy conditions on the snapshot could not be checked; they do not hold"),
    );
    await this.facts.keep(id, facts, path.kind === "ask" ? path.highlights : undefined);
    if (path.kind === "policy") {
      log.info({ approvalId: id, policy: path.policy, result: path.result }, "decided by policy");
      const by = { kind: "policy" as const, policy: path.policy };
      await this.decideAndReturn(id, { result: path.result, by, at: this.now(), reason: path.message }, route);
      return Boolean(route);
    }
    if (path.kind === "unmatched") {
      if (path.outcome === "ignore") {
        log.info({ approvalId: id }, "no approval route matches; not answered (approvals.unmatched: ignore)");
        await this.d.store.unlist(id);
      } else
        await this.decideAndReturn(
          id,
          { result: path.outcome, by: { kind: "unmatched" }, at: this.now(), reason: "no approval route applies" },
          route,
        );
      return false;
    }
    // No policy decided: from here people may (the card buttons, approve/block commands).
    await this.d.store.open(id);
    await this.d.deliveries.addBulk(
      path.route.destinations.map((destination) => ({
        name: "approval-card",
        data: { event: e, destination, approvalId: id },
        opts: { jobId: cardJobId(id, destination), priority: CARD_PRIORITY },
      })),
    );
    return true;
  }

  /** The "facts" job: a snapshot that came past its budget is stored, and every posted card copy shows it. */
  async settleFacts(approvalId: string, log: Logger): Promise<void> {
    const a = await this.facts.settleLate(approvalId, log);
    if (a) await this.updateCards(a);
  }

  /**
   * A pre-event the bot's own operation caused (a rerun from chat): answered OK from the chat authorization already
   * given, audited as such, with no card. False when it is not one of ours.
   */
  private async answerOwnOperation(e: DwEvent, log: Logger): Promise<boolean> {
    const own = await this.d.ownOperations?.match(e);
    if (!own) return false;
    const id = (await this.d.store.idForEvent(e)) ?? (await this.registerOne(e));
    const a = await this.d.store.get(id);
    if (!a) return false;
    if (a.state !== "pending") {
      await this.afterDecision(a);
      return true;
    }
    log.info({ approvalId: id, op: own.op }, "the bot's own operation: answered from the chat authorization");
    const by = { kind: "chat" as const, op: own.op, ...own.by };
    await this.decideAndReturn(id, { result: "OK", by, at: this.now() }, this.routeOf(a));
    return true;
  }

  private async registerOne(e: DwEvent): Promise<string> {
    await this.register([e]);
    const id = await this.d.store.idForEvent(e);
    if (!id) throw new Error(`could not record the approval for event ${e.id}`);
    return id;
  }

  /**
   * A click or command from chat. Answers within the platform's ack deadline (Redis work only), in `locale` (a
   * command's) or else the language of the destination the click came from.
   */
  async handleAction(action: ActionEvent, locale?: string): Promise<ActionReply> {
    if (action.actionId !== APPROVE && action.actionId !== BLOCK) return UNKNOWN_ACTION;
    // Asked at once, awaited only if this click decides: the lookup overlaps the Redis work.
    const named = this.d.userName?.(action.adapter, action.user.id);
    const a = action.value ? await this.d.store.get(action.value) : undefined;
    const lang = locale ?? this.clickLocale(action, a);
    const t = (k: string, p: Record<string, unknown> = {}) =>
      translate(this.d.templates.messages, lang, `approval.reply.${k}`, p);
    if (!a) return { ok: false, text: t("missing") };
    if (a.notOurs) return { ok: false, text: t("notOurs") };
    if (a.state !== "pending" && a.decision) {
      // Decided, but maybe its DataWorks job was never queued (Redis failed right after the decision): queue it.
      if (a.dataworks?.status !== "accepted") await this.afterDecision(a);
      return { ok: false, text: t("late", this.who(a.decision, lang)) };
    }
    const route = this.routeOf(a);
    if (!route) return { ok: false, text: t("notApprover", { route: a.route || "-" }) };
    // A rotation among the approvers means whoever is on call at the click.
    const groups = groupsAt(this.d.config, this.now());
    const authz = authorize(action.adapter, action.user.id, a.event, route, { ...this.d.config.approvals, groups });
    if (!authz.ok)
      return {
        ok: false,
        text: authz.reason === "self-approval" ? t("selfApproval") : t("notApprover", { route: route.name }),
      };
    const blocking = action.actionId === BLOCK;
    const reason = action.input?.trim();
    if (blocking && route.requireBlockReason && !reason) {
      return {
        ok: false,
        text: t("needReason"),
        needsInput: { title: t("reasonTitle"), label: t("reasonLabel"), choices: route.blockReasons },
      };
    }
    const name = (await named) ?? action.user.name ?? action.user.id;
    const decision: Decision = {
      result: blocking ? "FAIL" : "OK",
      by: { kind: "human", platform: action.adapter, userId: action.user.id, name },
      at: this.now(),
      ...(reason ? { reason } : {}),
    };
    const r = await this.d.store.decide(a.id, decision);
    if (!r.ok && r.reason === "notOpen") return { ok: false, text: t("notOpen") };
    if (!r.ok && r.reason === "expired") {
      // Past the deadline: the timeout outcome stands, whether or not a worker has applied it yet.
      await this.expire(a.id);
      const decided = (await this.d.store.get(a.id))?.decision;
      return { ok: false, text: decided ? t("late", this.who(decided, lang)) : t("missing") };
    }
    if (!r.ok)
      return { ok: false, text: r.reason === "decided" ? t("late", this.who(r.decision, lang)) : t("missing") };
    await this.afterDecision(r.approval);
    return { ok: true, text: t(blocking ? "blocked" : "approved") };
  }

  /** The language of the destination a click came from, else templates.defaultLocale. */
  clickLocale(action: ActionEvent, a?: Approval): string {
    const dest = clickDestination(this.d.config, action, a);
    return (dest && this.d.config.destinations[dest]?.locale) || this.d.config.templates.defaultLocale;
  }

  /** The deadline passed: apply the route's default outcome unless someone decided first. */
  async expire(approvalId: string): Promise<void> {
    const a = await this.d.store.get(approvalId);
    if (!a) return;
    if (a.state !== "pending") {
      // A decision whose DataWorks job was lost (Redis failed between deciding and queueing) is queued again.
      if (a.decision && a.dataworks?.status !== "accepted") await this.afterDecision(a);
      return;
    }
    const reason = translate(this.d.templates.messages, "en", "approval.message.timeout", {
      outcome: a.timeoutOutcome,
    });
    await this.decideAndReturn(
      approvalId,
      { result: a.timeoutOutcome, by: { kind: "timeout" }, at: this.now(), reason },
      this.routeOf(a),
    );
  }

  private async decideAndReturn(id: string, decision: Decision, route: ApprovalRouteConfig | undefined): Promise<void> {
    const r = await this.d.store.decide(id, decision);
    if (!r.ok) return;
    await this.afterDecision(r.approval);
    // Automatic decisions are also posted as a notification where the route would have posted cards.
    if (isAutomatic(decision.by) && route) await this.postNotices(r.approval, route);
  }

  /** The decided card, once per destination of the route that has none yet (job id per approval and destination). */
  private async postNotices(a: Approval, route: ApprovalRouteConfig): Promise<void> {
    const missing = route.destinations.filter((d) => !a.cards.some((c) => c.destination === d));
    await this.d.deliveries.addBulk(
      missing.map((destination) => ({
        name: "approval-card",
        data: { event: a.event, destination, approvalId: a.id },
        opts: { jobId: cardJobId(a.id, destination), priority: CARD_PRIORITY },
      })),
    );
  }

  /** Queue the DataWorks call (job id = approval id: applied once) and update every card. */
  async afterDecision(a: Approval): Promise<void> {
    await this.d.approvals.add(
      "decision",
      { approvalId: a.id },
      { jobId: decisionJobId(a.id), attempts: this.d.config.approvals.deliveryAttempts, backoff: { type: "capped" } },
    );
    await this.updateCards(a);
  }

  /**
   * One update job per posted card, named by the state it was queued for (renderKey): a repeated call for the same
   * state adds nothing, a newer state is never swallowed by an older job.
   */
  async updateCards(a: Approval): Promise<void> {
    await this.queueUpdates(
      a,
      a.cards.map((c) => c.destination),
    );
  }

  /** A card was rendered from `renderedKey`; if the approval has moved on since, render it again. */
  async cardRendered(approvalId: string, destination: string, renderedKey: string): Promise<void> {
    const a = await this.d.store.get(approvalId);
    if (!a || renderKey(a) === renderedKey) return;
    await this.queueUpdates(a, [destination], renderedKey);
  }

  private async queueUpdates(a: Approval, destinations: readonly string[], after?: string): Promise<void> {
    const posted = destinations.filter((d) => a.cards.some((c) => c.destination === d));
    if (!posted.length) return;
    // Decided, DataWorks not answered yet: give it a moment, so the copy is updated once with both. The update
    // renders the approval as it is when it runs, and skips a copy that already shows it (deliver.ts updateCard).
    const awaitingAnswer =
      a.state !== "pending" && a.dataworks?.status !== "accepted" && a.dataworks?.status !== "failed";
    await this.d.deliveries.addBulk(
      posted.map((destination) => ({
        name: "approval-update",
        data: { event: a.event, destination, approvalId: a.id },
        opts: {
          jobId: cardUpdateJobId(a.id, destination, renderKey(a), after),
          priority: CARD_PRIORITY,
          ...(awaitingAnswer ? { delay: CARD_ANSWER_GRACE_MS } : {}),
        },
      })),
    );
  }

  /** The message DataWorks shows the waiting user: who decided and why. */
  decisionMessage(a: Approval): { checkResult: CheckResult; message: string } {
    const d = a.decision as Decision;
    const msgs = this.d.templates.messages;
    if (d.by.kind === "human") {
      const key = d.result === "FAIL" ? "approval.message.blocked" : "approval.message.approved";
      return {
        checkResult: d.result,
        message: translate(msgs, "en", key, {
          who: whoDecided(d.by, { platform: true }),
          reason: d.reason ? `: ${d.reason}` : "",
        }),
      };
    }
    return { checkResult: d.result, message: d.reason ?? d.result };
  }

  private who(d: Decision, locale: string) {
    const outcome = translate(this.d.templates.messages, locale, `approval.outcome.${d.result}`);
    return { outcome, who: whoDecided(d.by) };
  }
}
