import type { DwEvent } from "../core/event.js";
import { instanceOf } from "../dataworks/instance.js";

/**
 * How a failed instance came to succeed, where the two events tell it: the same instance ran again (rerun), the
 * same instance succeeded without running again (set to succeeded by hand), or another instance of the node did
 * (the next scheduled cycle, or a backfill or manual run). Undefined when the payloads do not say.
 */
export type RecoveryHow = "rerun" | "setSuccess" | "nextCycle" | "otherRun";

export function recoveryHow(failure: DwEvent, recovery: DwEvent): RecoveryHow | undefined {
  const f = failure.data;
  const r = recovery.data;
  const failed = instanceOf(failure)?.instanceId;
  const recovered = instanceOf(recovery)?.instanceId;
  if (failed === undefined || recovered === undefined) return undefined;
  if (failed === recovered) {
    const failedAt = Number(f.finishTime ?? f.modifyTime);
    const began = Number(r.beginRunningTime);
    if (!Number.isFinite(failedAt) || !Number.isFinite(began)) return undefined;
    return began > failedAt ? "rerun" : "setSuccess";
  }
  if (r.dagType === undefined || r.dagType === null) return undefined;
  return Number(r.dagType) === 0 ? "nextCycle" : "otherRun";
}

/**
 * What an update of a failure's message gets besides its own event (`extra.failure`, and `extra.recovery` when the
 * event is a success): the failure it replaces, with that failure's enrichment (its error lines), so the updated
 * message still says what failed, whether the instance is running again, failed again or recovered.
 */
export function recoveryExtras(
  failure: DwEvent,
  recovery: DwEvent,
  failureEnrich: Record<string, unknown>,
): Record<string, unknown> {
  const extra: Record<string, unknown> = { failure: { time: failure.time, data: failure.data, enrich: failureEnrich } };
  if (instanceOf(recovery)?.status === "succeeded") extra.recovery = { how: recoveryHow(failure, recovery) ?? "" };
  return extra;
}
