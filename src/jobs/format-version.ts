/**
 * Format versions, so that old and new processes can run side by side during a rolling upgrade.
 *
 * - Every job's data carries `v`, the job format of the release that wrote it (none: a release before versions,
 *   format 0, which this one reads). A worker that meets a job of a newer format leaves it for one that can handle
 *   it: back to delayed, no attempt used, data untouched, never failed or dropped.
 * - The Redis state has a format too, in `<prefix>:format`. A release that changes what is stored incompatibly
 *   raises it when it starts; a process older than the stored format leaves every job from then on.
 * Either way the process logs it once, answers /readyz 503 with the reason and counts it
 * (dwc_jobs_left_for_newer_total, dwc_format_behind), so an orchestrator holds a rollout of the older release.
 */
import type { Logger } from "../logger.js";
import type { RedisClient } from "../redis/connect.js";

/**
 * The job data format this release writes and reads (raise it when a job's data changes meaning). 2: the approvals
 * queue carries "facts" jobs, which a release of format 1 would run as a decision to return. 3: the deliveries
 * queue carries "escalation" jobs, which a release of format 2 would fail as an unknown job (the message lost), and
 * deliveries with `updateOnly` (a followed instance running again), which it would post as a message of their own.
 */
export const JOB_FORMAT = 3;
/** The Redis state format this release writes and reads (raise it when stored state changes incompatibly). */
export const STATE_FORMAT = 1;
/** A job left for a newer process is due again after this long (any worker may take it; a newer one runs it). */
export const LEAVE_FOR_NEWER_MS = 5_000;
/** /readyz stays 503 this long after the last job this process had to leave. */
const BEHIND_FOR_MS = 60_000;
/** How often a running process re-reads the state format (a newer release may have raised it). */
const STATE_REREAD_MS = 15_000;

export interface Formats {
  job: number;
  state: number;
}

export const stateFormatKey = (prefix: string) => `${prefix}:format`;

/** The format of a job's data: its `v`, or 0 for a job written before formats existed. */
export function jobFormat(data: unknown): number {
  const v = (data as { v?: unknown } | null)?.v;
  return typeof v === "number" && Number.isInteger(v) && v >= 0 ? v : 0;
}

export interface FormatGuard {
  readonly formats: Formats;
  /** Whether this process may run a job of this format now (never when the state is newer than it). */
  canRun(format: number): boolean;
  /** A job was left for a newer process: log once per queue and format, count it, turn readiness off a while. */
  left(queue: string, format: number): void;
  /** For /readyz and the metric, from memory: true, or why this process is behind. */
  check(): true | string;
  close(): void;
}

/**
 * Record this release's state format (first start) or raise an older one, then re-read it now and then. Returns
 * the guard the workers and /readyz consult. `formats` is overridden only by tests (a "newer release").
 */
export async function startFormatGuard(o: {
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  formats?: Formats;
  now?: () => number;
}): Promise<FormatGuard> {
  const formats = o.formats ?? { job: JOB_FORMAT, state: STATE_FORMAT };
  const now = o.now ?? Date.now;
  const key = stateFormatKey(o.prefix);
  // Raise, never lower: a newer release's number stays and this process then knows it is behind.
  const raised = Number(
    await o.redis.eval(
      "local cur = tonumber(redis.call('GET', KEYS[1]) or '0') if cur < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return tonumber(ARGV[1]) end return cur",
      1,
      key,
      String(formats.state),
    ),
  );
  let stored = raised;
  let behindUntil = 0;
  let newest = 0;
  const logged = new Set<string>();
  const stateBehind = () => stored > formats.state;
  const warnState = () => {
    if (!stateBehind() || logged.has("state")) return;
    logged.add("state");
    o.logger.error(
      { stateFormat: stored, handles: formats.state },
      "the Redis state is of a newer format than this release handles: this process leaves every job to upgraded ones; upgrade it",
    );
  };
  warnState();
  const timer = setInterval(() => {
    o.redis.get(key).then(
      (v) => {
        stored = Math.max(stored, Number(v ?? 0));
        warnState();
      },
      () => undefined, // Redis away: the outage is logged and reported elsewhere.
    );
  }, STATE_REREAD_MS);
  timer.unref();
  return {
    formats,
    canRun: (format) => !stateBehind() && format <= formats.job,
    left(queue, format) {
      behindUntil = now() + BEHIND_FOR_MS;
      newest = Math.max(newest, format);
      const id = `${queue}:${format}`;
      if (logged.has(id)) return;
      logged.add(id);
      o.logger.warn(
        { queue, jobFormat: format, handles: formats.job, retryInMs: LEAVE_FOR_NEWER_MS },
        "a job of a newer format than this release handles: left for an upgraded worker (no attempt used); upgrade this process",
      );
    },
    check() {
      if (stateBehind())
        return `Redis state format ${stored} is newer than this release handles (${formats.state}): upgrade`;
      if (now() < behindUntil)
        return `met jobs of format ${newest}, newer than this release handles (${formats.job}): upgrade`;
      return true;
    },
    close: () => clearInterval(timer),
  };
}
