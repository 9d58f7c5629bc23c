import { type Job, type Queue, UnrecoverableError } from "bullmq";
import { alertJobId, type DeliveryJobData, PRIORITY } from "../jobs/queues.js";
import { applyVerdict, isFinal, retryVerdict } from "../jobs/retry-decision.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { ApprovalJobData, ApprovalService } from "./service.js";
import type { ApprovalStore } from "./store.js";
import type { DecisionSender } from "./types.js";

export interface ReturnDecisionDeps {
  store: ApprovalStore;
  service: ApprovalService;
  send: DecisionSender;
  deliveries: Queue<DeliveryJobData>;
  logger: Logger;
  /** First retry delay (doubles, capped at 10 min). */
  backoffMs: number;
  metrics?: Metrics;
}

/**
 * Worker for "decision" jobs: return the decision to DataWorks once (the job id is the approval id),
 * record DataWorks' answer, update every card. Throttling/5xx are retried for hours with capped backoff (a
 * throttle that says how long to wait is waited for); when the last attempt fails, or the failure is one no retry
 * fixes (a refusal, a bug), the route's channels get an alert.
 */
export async function returnDecision(
  job: Job<ApprovalJobData>,
  token: string | undefined,
  deps: ReturnDecisionDeps,
): Promise<void> {
  const a = await deps.store.get(job.data.approvalId);
  if (!a?.decision) throw new UnrecoverableError(`approval ${job.data.approvalId} has no decision to return`);
  const log = deps.logger.child({
    approvalId: a.id,
    eventId: a.event.id,
    jobId: job.id,
    attempt: job.attemptsMade + 1,
  });
  if (a.dataworks?.status === "accepted") {
    // A retry after DataWorks accepted (the run stopped before the cards were updated): update them now.
    await deps.service.updateCards(a);
    return;
  }
  if (job.attemptsMade === 0)
    deps.metrics?.decisionLatency.observe({ decided_by: a.decision.by.kind }, (a.decision.at - a.createdAt) / 1000);
  const { checkResult, message } = deps.service.decisionMessage(a);
  let res: Awaited<ReturnType<DecisionSender>>;
  try {
    res = await deps.send({
      eventCode: a.event.eventCode,
      messageId: a.event.id,
      regionId: a.event.regionId,
      checkResult,
      message,
    });
  } catch (err) {
    const verdict = retryVerdict(err, job, token !== undefined);
    const final = isFinal(verdict, job);
    const error = err instanceof Error ? err.message : String(err);
    deps.metrics?.dataworksErrors.inc({
      code: (err as { apiCode?: string }).apiCode ?? "error",
      retryable: String(!final),
    });
    log[final ? "error" : "warn"]({ err: error, final }, "DataWorks did not accept the decision");
    if (!final) throw await applyVerdict(verdict, err, job, token);
    await deps.store.setDataWorks(a.id, { status: "failed", error, at: Date.now() });
    const updated = await deps.store.get(a.id);
    if (updated) await deps.service.updateCards(updated);
    const route = deps.service.routeOf(a);
    if (route) {
      await deps.deliveries.addBulk(
        route.destinations.map((destination) => ({
          name: "approval-alert",
          data: { event: a.event, destination, approvalId: a.id },
          opts: { jobId: alertJobId(a.id, destination), priority: PRIORITY.approval },
        })),
      );
    }
    throw new UnrecoverableError(error);
  }
  // Outside the try: a Redis error here is not DataWorks refusing (the job retries; the call itself is done).
  await deps.store.setDataWorks(a.id, { status: "accepted", api: res.api, requestId: res.requestId, at: Date.now() });
  log.info({ api: res.api, requestId: res.requestId, checkResult }, "decision returned to DataWorks");
  deps.metrics?.dataworksReturnLatency.observe((Date.now() - a.decision.at) / 1000);
  const updated = await deps.store.get(a.id);
  if (updated) await deps.service.updateCards(updated);
}
