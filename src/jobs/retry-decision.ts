import { DelayedError, type Job, UnrecoverableError, WaitingChildrenError } from "bullmq";
import { RemoteError } from "../core/errors.js";
import { park } from "../delivery-job.js";

/** Throttled jobs wait and retry; past this many waits they fail so they cannot loop forever. */
export const MAX_THROTTLED_WAITS = 100;

/** Job data of any queue: how many times the job waited for a throttle so far. */
export interface ThrottleCount {
  throttled?: number;
}

/** What a failed run means for its job, on every queue (BullMQ keeps its control-flow errors apart the same way). */
export type RetryVerdict =
  /** BullMQ's own control flow, thrown on purpose (the job was parked, or failed for good): passed through. */
  | { kind: "control" }
  /** The other side asked us to slow down: wait as asked, without using up an attempt. */
  | { kind: "wait"; ms: number; waits: number }
  /** Weather (a 5xx, the network, Redis): BullMQ's backoff, while attempts remain. */
  | { kind: "retry" }
  /** Trying again cannot help: a refusal the other side called permanent, or a bug in our code. */
  | { kind: "fail"; why: "permanent" | "programming" };

export interface RetryOptions {
  /**
   * Wait for a throttle that names no wait of its own. Undefined: such a throttle takes the queue's backoff like any
   * other retryable failure.
   */
  throttleWaitMs?: number;
}

/** The shortest throttle wait: a Retry-After of 0 must not spin. */
const MIN_THROTTLE_WAIT_MS = 250;

/**
 * A bug, which no retry fixes: retried for hours it would only hide. undici's fetch reports a network failure as
 * TypeError("fetch failed"): that one is weather.
 */
export function isProgrammingError(err: unknown): boolean {
  if (err instanceof TypeError) return err.message !== "fetch failed";
  return (
    err instanceof ReferenceError ||
    err instanceof SyntaxError ||
    err instanceof RangeError ||
    err instanceof EvalError ||
    err instanceof URIError
  );
}

/** Pure: what to do with a job whose run threw `err`. `canWait`: the run holds a token to park its job with. */
export function retryVerdict(
  err: unknown,
  job: { data: ThrottleCount },
  canWait: boolean,
  o: RetryOptions = {},
): RetryVerdict {
  if (err instanceof DelayedError || err instanceof UnrecoverableError || err instanceof WaitingChildrenError)
    return { kind: "control" };
  if (err instanceof RemoteError) {
    const waits = (job.data.throttled ?? 0) + 1;
    const ms = err.retryAfterMs ?? o.throttleWaitMs;
    if (err.throttled && canWait && waits <= MAX_THROTTLED_WAITS && ms !== undefined)
      return { kind: "wait", ms: Math.max(ms, MIN_THROTTLE_WAIT_MS), waits };
    return err.retryable ? { kind: "retry" } : { kind: "fail", why: "permanent" };
  }
  return isProgrammingError(err) ? { kind: "fail", why: "programming" } : { kind: "retry" };
}

/** Is this the job's last run, given the verdict on its failure? */
export function isFinal(verdict: RetryVerdict, job: { attemptsMade: number; opts: { attempts?: number } }): boolean {
  return verdict.kind === "fail" || (verdict.kind === "retry" && job.attemptsMade + 1 >= (job.opts.attempts ?? 1));
}

/** Carry out a verdict: returns the error for the processor to throw (BullMQ's delay, its backoff or a failure). */
export async function applyVerdict<D extends ThrottleCount>(
  verdict: RetryVerdict,
  err: unknown,
  job: Job<D>,
  token: string | undefined,
): Promise<Error> {
  if (verdict.kind === "wait" && token) {
    await job.updateData({ ...job.data, throttled: verdict.waits });
    return park(job, token, Date.now() + verdict.ms);
  }
  if (verdict.kind === "fail") return new UnrecoverableError(err instanceof Error ? err.message : String(err));
  return err instanceof Error ? err : new Error(String(err));
}

/** retryVerdict + applyVerdict: the error to throw for `err`, on any queue. */
export async function retryDecision<D extends ThrottleCount>(
  err: unknown,
  job: Job<D>,
  token: string | undefined,
  o: RetryOptions = {},
): Promise<Error> {
  return applyVerdict(retryVerdict(err, job, token !== undefined, o), err, job, token);
}
