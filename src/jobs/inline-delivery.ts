import type { Queue } from "bullmq";
import type { Config } from "../config/schema.js";
import type { Platform } from "../config/sections/destinations.js";
import { DEFAULT_TIMEOUT_MS } from "../config/sections/platforms.js";
import { DeliveryError } from "../core/errors.js";
import type { DeliveryJobData, DeliveryTurn } from "../delivery-job.js";
import type { Logger } from "../logger.js";
import {
  type DeliverDeps,
  type Destination,
  deliverEvent,
  deliveryLog,
  destinationOf,
  reportVerdict,
} from "./deliver.js";
import { retryVerdict } from "./retry-decision.js";

/** One notification's delivery job, as the events job builds it (src/jobs/process-event.ts). */
export interface NotificationJob {
  name: "deliver";
  data: DeliveryJobData;
  opts: { jobId: string; priority: number };
}

/** Hands an event's notifications to their destinations: the one place that decides "now, inline" or "queued". */
export type Dispatch = (jobs: NotificationJob[], o?: { rerunOf?: number }) => Promise<void>;

/**
 * How long the events job waits for an inline attempt before handing it to its queued job. Events jobs also carry
 * extension point events (approval cards): a slow platform must not hold the events workers longer than this.
 */
export const INLINE_WAIT_MS = 2_000;

export interface InlineOptions {
  deliveries: Queue<DeliveryJobData>;
  deps: DeliverDeps;
  /** The queued job's first retry of a failed inline attempt waits this long (worker.backoffMs). */
  backoffMs: number;
  /**
   * At most this many attempts at once in this process; beyond it a delivery is queued at once. It keeps events
   * workers free for the next events (an extension point event's card) whatever the platforms' latency.
   */
  maxInFlight: number;
  waitMs?: number;
}

/** What an inline attempt throws when it handed its delivery to the queued job: done, not failed. */
class HandedOver extends Error {
  constructor() {
    super("handed over to the queued delivery job");
  }
}

/**
 * Each notification is first attempted by the events job itself, through the same outbox path a delivery job runs,
 * so that an event sent at once costs one BullMQ job, not two. Wherever the delivery would park, retry or wait
 * (a rate limit, a digest interval, a throttle, a failure, a slow platform), the attempt adds the real delivery job
 * (same id, same data, told when its message may exist) and returns: that job keeps every guarantee from there. If
 * adding it fails, the dispatch throws and the events job is retried.
 */
export function inlineDispatch(o: InlineOptions): Dispatch {
  let inFlight = 0;
  return async (jobs, { rerunOf } = {}) => {
    // A re-run of the events job may follow an attempt that reached the platform, or a hand-over whose job is
    // already queued or running: queue them all (a queued id is a no-op), told the message may exist since then.
    if (rerunOf !== undefined) {
      const told = jobs.map((j) => ({ ...j, data: { ...j.data, maybeSentAt: j.data.maybeSentAt ?? rerunOf } }));
      await o.deliveries.addBulk(told);
      return;
    }
    const now = jobs.slice(0, Math.max(0, o.maxInFlight - inFlight));
    inFlight += now.length;
    try {
      await Promise.all([
        ...now.map((j) => attempt(j, o)),
        ...(jobs.length > now.length ? [o.deliveries.addBulk(jobs.slice(now.length))] : []),
      ]);
    } finally {
      inFlight -= now.length;
    }
  };
}

async function attempt(j: NotificationJob, o: InlineOptions): Promise<void> {
  const { deps } = o;
  const queue = handOver(j, o.deliveries);
  let where: Destination;
  try {
    where = destinationOf(j.data, deps);
  } catch {
    // A destination or adapter gone from the config: the queued job fails it where failures are kept and counted.
    return queue(j.data, 0);
  }
  const log = deliveryLog(deps, j.data, { name: j.name, id: j.opts.jobId, attempt: 1 });
  const turn = inlineTurn(j.opts.jobId, j.data, queue);
  const run = deliverEvent({ ...where, turn, deps, log }).then(
    (done) => {
      // Counted only when this run posted, as a delivery job counts it.
      if (done?.sent) deps.metrics?.messagesSent.inc({ platform: where.platform, kind: j.name });
    },
    (err: unknown) => (err instanceof HandedOver ? turn.ended : failed(err, turn, where.platform, o, log)),
  );
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<"slow">((r) => {
    timer = setTimeout(() => r("slow"), o.waitMs ?? INLINE_WAIT_MS);
  });
  try {
    if ((await Promise.race([run, slow])) !== "slow") return;
  } finally {
    clearTimeout(timer);
  }
  // Still running: the request may reach the platform, so the queued job is told the message may exist, and waits
  // until this attempt is over either way (a platform's requests time out); the run goes on and saves its ref.
  log.warn({ waitMs: o.waitMs ?? INLINE_WAIT_MS }, "slow delivery; handed to its queued job, which waits for it");
  run.catch((err: unknown) => log.warn({ err }, "a slow inline delivery failed after it was handed over"));
  await turn.handOver({ ...turn.data, maybeSentAt: Date.now() }, attemptOverMs(deps.config, where.platform));
}

/** An inline attempt's failure: the queued job takes it over, as the delivery job's retry decision would. */
async function failed(err: unknown, turn: InlineTurn, platform: string, o: InlineOptions, log: Logger) {
  const verdict = retryVerdict(err, turn, true, { throttleWaitMs: 1000 });
  // The queued job always follows: a retry is counted as one.
  reportVerdict(verdict, err, log, { metrics: o.deps.metrics, retried: true, platform });
  if (verdict.kind === "wait") return turn.handOver({ ...turn.data, throttled: verdict.waits }, verdict.ms);
  if (verdict.kind === "retry") {
    const maybeDone = err instanceof DeliveryError && err.maybeDone && turn.data.maybeSentAt === undefined;
    return turn.handOver(maybeDone ? { ...turn.data, maybeSentAt: Date.now() } : turn.data, o.backoffMs);
  }
  // Refused for good, or a bug: the queued job fails at once with the reason, where failures are kept and counted.
  return turn.handOver({ ...turn.data, refused: err instanceof Error ? err.message : String(err) }, 0);
}

/** An inline attempt's turn: data kept in memory, and every stop hands the delivery to its queued job. */
interface InlineTurn extends DeliveryTurn {
  /** Add the queued job (once: a later call returns the first one's outcome). */
  handOver(data: DeliveryJobData, delayMs: number): Promise<void>;
  /** Settles when a hand-over did. */
  readonly ended: Promise<void> | undefined;
}

function inlineTurn(id: string, data: DeliveryJobData, queue: (d: DeliveryJobData, delayMs: number) => Promise<void>) {
  let current = data;
  let handed: Promise<void> | undefined;
  const turn: InlineTurn = {
    id,
    get data() {
      return current;
    },
    mayExistSince: () => current.maybeSentAt,
    canPark: true,
    update: async (d) => {
      current = d;
    },
    park: async (untilMs) => {
      await turn.handOver(current, untilMs - Date.now());
      return new HandedOver();
    },
    handOver: (d, delayMs) => (handed ??= queue(d, delayMs)),
    get ended() {
      return handed;
    },
  };
  return turn;
}

/** Add the delivery's queued job (same id, its data as the attempt left them), due after `delayMs`. */
function handOver(j: NotificationJob, deliveries: Queue<DeliveryJobData>) {
  return async (data: DeliveryJobData, delayMs: number): Promise<void> => {
    await deliveries.add(j.name, data, { ...j.opts, ...(delayMs > 0 ? { delay: Math.ceil(delayMs) } : {}) });
  };
}

/**
 * Until a slow attempt is surely over: its platform's request timeout, twice (a lost-post lookup, then the post),
 * and a second for the rest of the run (its ref saved).
 */
function attemptOverMs(config: Readonly<Config>, platform: string): number {
  const timeouts: { readonly [P in Platform]: number | undefined } = {
    slack: config.slack?.timeoutMs,
    lark: config.lark?.timeoutMs,
    dingtalk: config.dingtalk?.timeoutMs,
    console: undefined,
  };
  return 2 * (timeouts[platform as Platform] ?? DEFAULT_TIMEOUT_MS) + 1_000;
}
