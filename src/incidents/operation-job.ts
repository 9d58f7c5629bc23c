/**
 * Job "operation" of the incidents queue: call DataWorks for one claimed operation (job id = the claim: called
 * once), keep the outcome on the incident and show it on every copy. A call DataWorks refused or never received
 * (throttled, connection refused) is tried again a few times (INCIDENT_OP_ATTEMPTS), then shown in plain words; the
 * instance is free for another try. A call whose answer was lost (timeout, dropped connection, 5xx) may have gone
 * through: it is never called again; the instance's status says "done", or the message says the outcome is unknown.
 */
import type { Job } from "bullmq";
import { nameOnPlatform } from "../access/people.js";
import type { Config } from "../config/schema.js";
import { instanceOpEffect, runInstanceOp } from "../dataworks/instance-ops.js";
import { type DataWorksApi, DataWorksApiError } from "../dataworks/openapi-client.js";
import type { Logger } from "../logger.js";
import type { OwnOperations } from "./own-operations.js";
import type { IncidentOpJobData } from "./service.js";
import type { IncidentStore } from "./store.js";
import type { OpResult } from "./types.js";

export interface OperationDeps {
  config: Readonly<Config>;
  store: IncidentStore;
  own: OwnOperations;
  /** DataWorks' OpenAPI; undefined without an AccessKey (the operation fails with that said). */
  api?: DataWorksApi;
  /** Bring every copy of the incident's message to its state now. */
  updates: (instanceId: string) => Promise<void>;
  logger: Logger;
  now?: () => number;
}

export async function runOperation(job: Job<IncidentOpJobData>, deps: OperationDeps): Promise<void> {
  const { instanceId, claimId, op, by } = job.data;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ instanceId, op, jobId: job.id, attempt: job.attemptsMade + 1 });
  // A claim that expired (a worker died) and was taken by someone else: theirs is the one to call.
  if (!(await deps.store.holds(instanceId, claimId))) {
    log.info("the claim is no longer held; not called");
    return;
  }
  const incident = await deps.store.get(instanceId);
  // A run of this job that died mid-call (kill -9, a lost lock) may have sent it: read the status, never call twice.
  if (deps.api && !(await deps.store.markCalling(instanceId, claimId))) {
    const earlier = new Error("an earlier run of this operation may have called DataWorks and did not finish");
    const lost = await afterLostAnswer(deps.api, job.data, deps, incident?.region, earlier, now, log);
    await conclude(job.data, deps, lost);
    return;
  }
  let result: OpResult;
  try {
    if (!deps.api) throw new Error("dataworks.accessKeyId and dataworks.accessKeySecret are not set");
    // Recorded before the call: DataWorks may publish the pre-event before its answer reaches us.
    await deps.own.record(instanceId, { op, by, at: now() });
    const out = await runInstanceOp(deps.api, {
      op,
      instanceId,
      version: deps.config.dataworks.instanceApi,
      ...(incident?.region ? { regionId: incident.region } : {}),
      comment: `${op} from chat by ${nameOnPlatform(by)}`,
    });
    result = out.ok ? { op, by, at: now(), ok: true } : { op, by, at: now(), ok: false, error: out.message };
    log.info({ ok: out.ok, action: out.action, requestId: out.requestId }, "DataWorks answered the operation");
  } catch (err) {
    if (deps.api && mayHaveGoneThrough(err)) {
      const lost = await afterLostAnswer(deps.api, job.data, deps, incident?.region, err as Error, now, log);
      await conclude(job.data, deps, lost);
      return;
    }
    const retryable = err instanceof DataWorksApiError && err.retryable;
    if (retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
      log.warn({ err: (err as Error).message }, "DataWorks did not take the operation; trying again");
      await deps.store.unmarkCalling(instanceId, claimId);
      throw err;
    }
    log.error({ err }, "the operation failed");
    result = { op, by, at: now(), ok: false, error: (err as Error).message };
  }
  await conclude(job.data, deps, result);
}

/**
 * Keep the outcome and show it everywhere. A failure that surely did not go through frees the pre-event window; an
 * unknown outcome keeps it, since DataWorks may yet publish the pre-event of a call that did.
 */
async function conclude(d: IncidentOpJobData, deps: OperationDeps, result: OpResult): Promise<void> {
  if (!result.ok && !result.unknown) await deps.own.forget(d.instanceId, d.op);
  await deps.store.finish(d.instanceId, d.claimId, result);
  await deps.updates(d.instanceId);
}

/** Errors after which the request was not sent (or refused before it was acted on): safe to call again. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "InvalidCredentials"]);

/** No answer, or a gateway error: DataWorks may have applied the operation. A 4xx or a throttle says it did not. */
function mayHaveGoneThrough(err: unknown): boolean {
  if (!(err instanceof DataWorksApiError) || err.throttled) return false;
  return err.status === undefined ? !NOT_SENT.has(err.apiCode) : err.status >= 500;
}

/**
 * The call's answer was lost. Calling again would refuse (or repeat) an operation that went through, so the
 * instance's status is read instead: the operation's status → done; otherwise (or unreadable) → unknown, and the
 * message asks to check DataWorks before trying again.
 */
async function afterLostAnswer(
  api: DataWorksApi,
  d: IncidentOpJobData,
  deps: OperationDeps,
  region: string | undefined,
  err: Error,
  now: () => number,
  log: Logger,
): Promise<OpResult> {
  const { op, by, instanceId } = d;
  try {
    const seen = await instanceOpEffect(api, {
      op,
      instanceId,
      version: deps.config.dataworks.instanceApi,
      ...(region ? { regionId: region } : {}),
    });
    log.warn({ err: err.message, status: seen }, "DataWorks did not answer the operation; read the instance's status");
    if (seen === "done") return { op, by, at: now(), ok: true };
  } catch (readErr) {
    log.warn({ err: err.message, readErr: (readErr as Error).message }, "no answer and no status: outcome unknown");
  }
  return { op, by, at: now(), ok: false, unknown: true, error: err.message };
}
