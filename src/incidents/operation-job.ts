/**
 * Job "operation" of the incidents queue: call DataWorks for one claimed operation (job id = the claim: called
 * once), keep the outcome on the incident and show it on every copy. A throttle or outage is tried again a few
 * times (INCIDENT_OP_ATTEMPTS), then shown in plain words; the instance is free for another try.
 */
import type { Job } from "bullmq";
import { nameOnPlatform } from "../access/people.js";
import type { Config } from "../config/schema.js";
import { runInstanceOp } from "../dataworks/instance-ops.js";
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
    const retryable = err instanceof DataWorksApiError && err.retryable;
    if (retryable && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) {
      log.warn({ err: (err as Error).message }, "DataWorks did not take the operation; trying again");
      throw err;
    }
    log.error({ err }, "the operation failed");
    result = { op, by, at: now(), ok: false, error: (err as Error).message };
  }
  if (!result.ok) await deps.own.forget(instanceId, op);
  await deps.store.finish(instanceId, claimId, result);
  await deps.updates(instanceId);
}
