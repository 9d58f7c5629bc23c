/**
 * The approval flow's snapshot step, between the deadline job and the policies (ApprovalService.start()): the facts
 * are fetched within `approvals.snapshot.budget` and stored on the approval before any card goes out. Past the budget
 * the approval says "loading", the policies run without facts, and a "facts" job (one per approval, on the approvals
 * queue, so it survives restarts) stores them when they come and has every card copy re-rendered. A failed or slow
 * lookup never throws here: the facts are then "unavailable" with a why.
 */
import type { Queue } from "bullmq";
import type { Config } from "../../config/schema.js";
import type { DwEvent } from "../../core/event.js";
import { factsJobId } from "../../jobs/queues.js";
import type { Logger } from "../../logger.js";
import type { ApprovalJobData } from "../service.js";
import type { ApprovalStore } from "../store.js";
import type { Approval, RiskHighlight } from "../types.js";
import { type FactsResult, type SettledFacts, unavailable } from "./fetch.js";
import { boundedFacts, wholeDiffOf } from "./full-diff.js";

/** Fetches an event's facts within `budgetMs` (snapshot/fetch.ts fetchFacts with the runtime's client and cache). */
export type FactsSource = (e: DwEvent, budgetMs: number) => Promise<FactsResult>;

/**
 * How long the "facts" job waits for a snapshot that was late. Each DataWorks call has its own timeout
 * (dataworks.timeout); this bounds a chain of slow ones.
 */
export const LATE_FACTS_BUDGET_MS = 120_000;

export interface FactsStepDeps {
  store: ApprovalStore;
  approvals: Queue<ApprovalJobData>;
  config: Readonly<Config["approvals"]["snapshot"]>;
  /** Absent: approvals get no facts (as with approvals.snapshot.enabled false). */
  source?: FactsSource;
  /** For late facts: the lines an ask policy picks out of them (approval-path.ts lateHighlights). */
  highlights?: (e: DwEvent, facts: SettledFacts) => RiskHighlight[] | undefined;
}

/** What the policies see, and what is still to be stored once they have run. */
export interface Gathered {
  /** Facts for the policies: undefined while loading (conditions on them then do not hold). */
  forPolicies?: SettledFacts;
  /** Fetched within the budget now, not stored yet: keep() stores them (with the policies' highlights). */
  fresh?: SettledFacts;
}

export class FactsStep {
  private readonly d: FactsStepDeps;

  constructor(d: FactsStepDeps) {
    this.d = d;
  }

  /** Before the policies. Idempotent: a retried start() reuses what an earlier attempt stored. */
  async gather(a: Approval, log: Logger): Promise<Gathered> {
    if (!this.d.config.enabled || !this.d.source) return { forPolicies: switchedOff() };
    if (a.facts?.status === "loading") {
      await this.queueLate(a.id);
      return {};
    }
    if (a.facts) return { forPolicies: a.facts };
    const r = await this.d.source(a.event, this.d.config.budget);
    if (r.status === "late") {
      log.info({ approvalId: a.id, budgetMs: this.d.config.budget }, "snapshot not in yet; the card says loading");
      await this.d.store.markFactsLoading(a.id);
      await this.queueLate(a.id);
      return {};
    }
    if (r.status === "unavailable") log.info({ approvalId: a.id, why: r.why }, "no snapshot for this approval");
    return { forPolicies: r, fresh: r };
  }

  /** After the policies, before any card: store facts fetched in budget, with the lines an ask policy picked out. */
  async keep(id: string, g: Gathered, highlights?: RiskHighlight[]): Promise<void> {
    if (!g.fresh) return;
    await this.d.store.setFacts(id, boundedFacts(g.fresh), { highlights, wholeDiff: wholeDiffOf(g.fresh) });
  }

  /**
   * The "facts" job: wait for the snapshot, store it (once: a re-run finds it settled) and report whether the
   * approval's cards must be re-rendered.
   */
  async settleLate(approvalId: string, log: Logger): Promise<Approval | undefined> {
    const a = await this.d.store.get(approvalId);
    if (!a) return undefined;
    if (a.facts?.status !== "loading") return a;
    const r =
      this.d.config.enabled && this.d.source ? await this.d.source(a.event, LATE_FACTS_BUDGET_MS) : switchedOff();
    const seconds = `${LATE_FACTS_BUDGET_MS / 1000} s`;
    const settled: SettledFacts =
      r.status === "late" ? unavailable("timeout", `DataWorks did not answer within ${seconds}`, seconds) : r;
    // The policies ran without these facts and their decision stands; the card still shows what an ask policy flags.
    const highlights = this.d.highlights?.(a.event, settled);
    const stored = await this.d.store.setFacts(approvalId, boundedFacts(settled), {
      highlights,
      wholeDiff: wholeDiffOf(settled),
    });
    log.info({ approvalId, status: settled.status, stored }, "late snapshot stored; updating the cards");
    return this.d.store.get(approvalId);
  }

  private async queueLate(id: string): Promise<void> {
    await this.d.approvals.add("facts", { approvalId: id }, { jobId: factsJobId(id) });
  }
}

const switchedOff = () =>
  unavailable("disabled", "approvals.snapshot.enabled is false", "approvals.snapshot.enabled: false");
