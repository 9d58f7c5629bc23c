import type { Config } from "../config/schema.js";
import type { DwEvent, Unanswered } from "../core/event.js";
import type { ExtensionBindings, NotOurs } from "../dataworks/extension-bindings.js";
import type { DataWorksApi } from "../dataworks/openapi-client.js";
import { ExtensionBindings as Bindings } from "../dataworks/extension-bindings.js";
import type { Logger } from "../logger.js";
import type { RedisClient } from "../redis/connect.js";
import type { ApprovalStore } from "./store.js";

/**
 * Only the checks that are ours: an extension point event DataWorks is not waiting on this bot for (its extension
 * not bound to the event, or not enabled in that workspace) gets no card, no answer and no decision; it is notified
 * as an ordinary event with a line saying why (`event.unanswered`).
 *
 * Where the check runs: in the events worker, before policies and cards, not at ingest. With nothing kept yet it
 * reads DataWorks (two OpenAPI calls of up to `dataworks.timeout` each), far past `ingest.storeTimeout`, and ingest
 * must answer EventBridge quickly. Deciding later is safe: the approval recorded at ingest cannot be decided by
 * anyone until its policies have run (store.ts `policies`), and the events worker runs those after this check;
 * so one that turns out not ours is closed before anyone could act on it (audited, off the pending list).
 *
 * Function Compute envelopes are not checked: DataWorks invoked the function because the extension is bound
 * (they never become approvals, see function-compute.ts).
 */
export class OursGate {
  private readonly bindings: Pick<ExtensionBindings, "isOurs">;
  private readonly store: ApprovalStore;

  constructor(bindings: Pick<ExtensionBindings, "isOurs">, store: ApprovalStore) {
    this.bindings = bindings;
    this.store = store;
  }

  /** undefined: ours (or unverified), go on. Else why not; the approval recorded at ingest is closed. */
  async screen(e: DwEvent, log: Logger): Promise<Unanswered | undefined> {
    const id = await this.store.idForEvent(e);
    // Once closed it stays closed, whatever a later (refreshed) answer says: a retry never opens it again.
    const earlier = id ? (await this.store.get(id))?.notOurs : undefined;
    if (earlier) return earlier;
    const ours = await this.bindings.isOurs(e);
    if (ours.ours) {
      if (ours.unverified) log.warn({ why: ours.unverified }, "could not check the extension's bindings; answering it");
      return undefined;
    }
    const why = unanswered(ours);
    if (id && !(await this.store.closeNotOurs(id, why))) return undefined; // already opened or decided: keep going
    log.info({ approvalId: id, why: ours.why }, "DataWorks does not wait on this bot for it; notified, not answered");
    return why;
  }
}

function unanswered(n: NotOurs): Unanswered {
  return {
    reason: n.reason,
    ...(n.extension ? { extension: n.extension } : {}),
    ...(n.workspace ? { workspace: n.workspace } : {}),
    ...(n.detail ? { detail: n.detail } : {}),
  };
}

/**
 * The gate, when the check applies: `dataworks.bindings.check` on and an AccessKey to read DataWorks with.
 * Without an AccessKey nothing could be read (every event would count as unverified, so as ours): no gate.
 */
export function oursGate(d: {
  config: Readonly<Config>;
  api: DataWorksApi | undefined;
  redis: RedisClient;
  prefix: string;
  store: ApprovalStore;
  logger: Logger;
  now?: () => number;
}): OursGate | undefined {
  const dw = d.config.dataworks;
  if (!dw.bindings.check || !d.api) return undefined;
  const bindings = new Bindings({
    api: d.api,
    redis: d.redis,
    prefix: d.prefix,
    extensionCode: dw.extensionCode,
    refreshMs: dw.bindings.refresh,
    defaultRegion: dw.regionId,
    now: d.now,
    onStale: (what, err) =>
      d.logger.warn(
        { what, err: (err as Error)?.message },
        "DataWorks did not answer; the last good answer stays in use",
      ),
  });
  return new OursGate(bindings, d.store);
}
