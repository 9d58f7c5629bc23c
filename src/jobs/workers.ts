import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Logger } from "../logger.js";
import { type ReturnDecisionDeps, returnDecision } from "../approvals/return-decision.js";
import type { ApprovalJobData } from "../approvals/service.js";
import { park } from "../delivery-job.js";
import { type OperationDeps, runOperation } from "../incidents/operation-job.js";
import type { IncidentOpJobData } from "../incidents/service.js";
import { type DeliverDeps, deliver } from "./deliver.js";
import { type FormatGuard, jobFormat, LEAVE_FOR_NEWER_MS } from "./format-version.js";
import { closeWorkers, RunningJobs } from "./graceful-close.js";
import { type ProcessEventDeps, processEvent } from "./process-event.js";
import type { Escalations } from "../incidents/escalation.js";
import { cappedBackoff, type DeliveryJobData, type EscalationJobData, type EventJobData, QUEUES } from "./queues.js";
import { retryDecision } from "./retry-decision.js";

export interface WorkerSet {
  workers: Worker[];
  running(): boolean;
  close(): Promise<void>;
}

export interface StartWorkersOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
  processDeps: ProcessEventDeps;
  deliverDeps: DeliverDeps;
  /** Approval deadlines and decisions returned to DataWorks. */
  approvals?: ReturnDecisionDeps;
  /** Escalations of failures nobody acknowledged (delayed firings). */
  escalations?: Escalations;
  /** Operations on instances started from chat (the incidents queue). */
  incidents?: OperationDeps;
  /** Which job formats this process may run (a rolling upgrade runs older and newer releases side by side). */
  formats: FormatGuard;
}

/** Start the event and delivery workers. close() lets in-flight jobs finish (graceful shutdown). */
export function startWorkers(o: StartWorkersOptions): WorkerSet {
  const common = { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency };
  const runningJobs = new RunningJobs();
  // A job of a format this process cannot run goes back to delayed untouched (DelayedError: no attempt used, not
  // failed), due again soon, for whichever worker takes it next; an upgraded one runs it.
  const guarded =
    <D>(queue: string, run: (job: Job<D>, token?: string) => Promise<unknown>) =>
    (job: Job<D>, token?: string) =>
      runningJobs.run(job, token, async () => {
        const format = jobFormat(job.data);
        if (o.formats.canRun(format)) return run(job, token);
        const parked = await park(job, token, Date.now() + LEAVE_FOR_NEWER_MS);
        o.formats.left(queue, format);
        o.deliverDeps.metrics?.jobsLeftForNewer.inc({ queue, format: String(format) });
        throw parked;
      });
  const events = new Worker<EventJobData>(
    QUEUES.events,
    guarded(QUEUES.events, (job: Job<EventJobData>, token) =>
      withRetryDecision(job, token, o.logger, () => processEvent(job, o.processDeps)),
    ),
    common,
  );
  const deliveries = new Worker<DeliveryJobData>(
    QUEUES.deliveries,
    guarded(QUEUES.deliveries, (job: Job<DeliveryJobData>, token) => deliver(job, token, o.deliverDeps)),
    common,
  );
  const workers: Worker[] = [events, deliveries];
  const ap = o.approvals;
  if (ap) {
    const approvals = new Worker<ApprovalJobData>(
      QUEUES.approvals,
      guarded(QUEUES.approvals, (job: Job<ApprovalJobData>, token) => {
        const id = job.data.approvalId;
        if (job.name === "timeout") return withRetryDecision(job, token, o.logger, () => ap.service.expire(id));
        if (job.name === "facts")
          return withRetryDecision(job, token, o.logger, () =>
            ap.service.settleFacts(id, o.logger.child({ approvalId: id, jobId: job.id })),
          );
        return returnDecision(job, token, ap);
      }),
      { ...common, settings: { backoffStrategy: (attemptsMade: number) => cappedBackoff(attemptsMade, ap.backoffMs) } },
    );
    workers.push(approvals as Worker);
  }
  const esc = o.escalations;
  if (esc) {
    const escalations = new Worker<EscalationJobData>(
      QUEUES.escalations,
      guarded(QUEUES.escalations, (job: Job<EscalationJobData>, token) =>
        withRetryDecision(job, token, o.logger, () => esc.fire(job)),
      ),
      common,
    );
    workers.push(escalations as Worker);
  }
  const inc = o.incidents;
  if (inc) {
    const incidents = new Worker<IncidentOpJobData>(
      QUEUES.incidents,
      guarded(QUEUES.incidents, (job: Job<IncidentOpJobData>) => runOperation(job, inc)),
      common,
    );
    workers.push(incidents as Worker);
  }
  for (const w of workers) {
    // Without an error listener a Redis hiccup would be an unhandled 'error' event and crash the process.
    w.on("error", (err) => o.logger.error({ err, queue: w.name }, "worker error"));
    w.on("failed", (job, err) => {
      if (!job) return;
      const permanent = err instanceof UnrecoverableError;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || permanent;
      if (final && w.name === QUEUES.deliveries) {
        const platform = o.deliverDeps.config.destinations[(job.data as DeliveryJobData).destination]?.platform;
        const reason = permanent ? "permanent" : "exhausted";
        o.deliverDeps.metrics?.messagesFailed.inc({ platform: platform ?? "unknown", reason });
      }
      if (final)
        o.logger.error(
          { queue: w.name, jobId: job.id, eventId: (job.data as EventJobData).event?.id, err: err.message },
          "job failed permanently; kept in the failed set",
        );
    });
  }
  return {
    workers,
    running: () => workers.every((w) => w.isRunning()),
    close: () => closeWorkers(workers, runningJobs, o.logger),
  };
}

/** Run a processor; its failure becomes what the shared retry decision says (a bug is logged once, not retried). */
async function withRetryDecision<T>(
  job: Job,
  token: string | undefined,
  logger: Logger,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const outcome = await retryDecision(err, job, token);
    if (outcome instanceof UnrecoverableError && !(err instanceof UnrecoverableError))
      logger.error({ err, queue: job.queueName, jobId: job.id }, "the job failed in a way no retry can fix");
    throw outcome;
  }
}
