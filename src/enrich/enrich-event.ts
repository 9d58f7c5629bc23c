/**
 * Enrichment: before rendering, look up the names DataWorks events do not carry (node, owner, workspace,
 * instance times, why an instance failed). It never throws, never waits past its budget and never drops a
 * message: whatever is known at the deadline is returned, with `note` when something is missing. Lookups
 * that outlive the budget keep running and fill the cache for the next event.
 *
 * Output keys used by templates: nodeName, ownerName, workspaceName, operatorName, cycleTime (epoch ms),
 * bizDate (yyyy-MM-dd), errorLog, note, and for a failed instance `impact` (what it holds up, ./impact.ts).
 * `impact` is an extra: when it is slow or fails the message goes out without it and without the note,
 * which speaks of names.
 */
import { formatDate } from "../templating/format.js";
import type { EnrichConfig } from "../config/sections/enrich.js";
import type { DwEvent } from "../core/event.js";
import { dataworksId as id } from "../dataworks/ids.js";
import { instanceOf } from "../dataworks/instance.js";
import { readMembers } from "../dataworks/member-names.js";
import type { DataWorksApi } from "../dataworks/openapi-client.js";
import type { Logger } from "../logger.js";
import { errorExcerpt } from "./error-lines.js";
import { getImpact } from "./impact.js";
import { type CacheStore, LookupCache } from "./lookup-cache.js";
import { getInstance, getInstanceLog, getNode, getProject } from "./lookups.js";

export type Enrich = (event: DwEvent) => Promise<Record<string, unknown>>;

export interface EnricherDeps {
  api: DataWorksApi;
  store: CacheStore;
  prefix: string;
  config: Readonly<EnrichConfig>;
  /** Region when the event carries none. */
  defaultRegion: string;
  logger: Logger;
}

/** Shown under the message when a lookup failed or ran out of time; both languages, the enricher has no locale. */
export const NAMES_UNAVAILABLE =
  "Some names are unavailable (DataWorks API slow or failing); ids shown · 部分名称暂不可用，显示 ID";

/**
 * One lookup an event needs: its cache key (without the region), how long to keep it, how to load and use it.
 * An `extra` lookup adds to the message but its absence is not a missing name: no note, no warning.
 */
type Lookup = <T>(key: string, ttl: number, load: () => Promise<T>, use: (v: T) => void, extra?: "extra") => void;

export function createEnricher(deps: EnricherDeps): Enrich {
  const cache = new LookupCache(deps.store, deps.prefix);
  const { config: c } = deps;
  return async (event) => {
    const region = event.regionId || deps.defaultRegion;
    const tasks: Array<Promise<void>> = [];
    const extras: Array<Promise<void>> = [];
    // Names: how many answered, and why the others failed (read at the deadline).
    let answered = 0;
    const errors: string[] = [];
    const out = collect(deps, event, (key, ttl, load, use, extra) => {
      const task = cache.get(`${region}:${key}`, ttl, c.ttl.failure, load).then(use);
      if (extra) extras.push(task.catch(() => undefined));
      else
        tasks.push(
          task.then(
            () => {
              answered++;
            },
            (err: unknown) => {
              errors.push(String((err as Error)?.message ?? err));
            },
          ),
        );
    });
    if (!tasks.length && !extras.length) return out;

    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"timeout">((r) => {
      timer = setTimeout(() => r("timeout"), c.timeout);
    });
    await Promise.race([Promise.all([...tasks, ...extras]), deadline]);
    clearTimeout(timer);
    const timedOut = answered + errors.length < tasks.length;
    if (timedOut || errors.length) {
      out.note = NAMES_UNAVAILABLE;
      deps.logger.warn(
        { eventId: event.id, timedOut, errors: errors.slice(0, 3) },
        "enrichment incomplete; sending with ids",
      );
    }
    // A snapshot: late lookups must not change what is being rendered.
    return { ...out };
  };
}

/**
 * The names the event's template can use, found through `lookup` (the cache, then the DataWorks API, or the
 * cache alone); `out` is filled as the lookups answer.
 */
function collect(
  deps: Pick<EnricherDeps, "api" | "config" | "defaultRegion">,
  event: DwEvent,
  lookup: Lookup,
): Record<string, unknown> {
  const { config: c, api } = deps;
  const region = event.regionId || deps.defaultRegion;
  const out: Record<string, unknown> = {};
  const d = event.data;
  const user = (uid: unknown) =>
    uid === undefined || uid === null || uid === "" ? undefined : (c.userNames[String(uid)] ?? String(uid));
  // Each API call runs to dataworks.timeout, not to the (shorter) budget: a late answer still fills the
  // cache for the next event of a storm, and coalescing keeps it to one call in flight per id.
  const perCall = undefined;
  const operatorUid = id(d.operator ?? d.operatorUid ?? d.operatorBaseId);
  const operator = user(operatorUid);
  if (operator) out.operatorName = operator;
  // Owner and operator by the workspace's member names (dataworks/member-names.ts), where enrich.userNames has none.
  let ownerUid = id(d.fileOwner ?? d.owner);
  let members: Record<string, string> | undefined;
  const byMembers = () => {
    const named = (uid: string | undefined) => (uid && !c.userNames[uid] ? members?.[uid] : undefined);
    const op = named(operatorUid);
    if (op) out.operatorName = op;
    const owner = named(ownerUid);
    if (owner) out.ownerName = owner;
  };

  const workspaceId = id(d.appId ?? d.projectId);
  if (workspaceId && (operatorUid || ownerUid || d.nodeId !== undefined))
    lookup(
      `members:${workspaceId}`,
      c.ttl.names,
      () => readMembers(api, region, workspaceId),
      (m) => {
        members = m;
        byMembers();
      },
    );
  if (workspaceId)
    lookup(
      `project:${workspaceId}`,
      c.ttl.names,
      () => getProject(api, region, workspaceId, perCall),
      (p) => {
        if (p.name) out.workspaceName = p.name;
      },
    );

  const nodeId = id(d.nodeId);
  if (nodeId)
    lookup(
      `node:${nodeId}`,
      c.ttl.names,
      () => getNode(api, region, nodeId, perCall),
      (n) => {
        if (n.name) out.nodeName = n.name;
        if (n.ownerId) out.ownerId = n.ownerId;
        const owner = user(n.ownerId);
        if (owner) out.ownerName = owner;
        if (n.ownerId) ownerUid = id(n.ownerId);
        byMembers();
      },
    );

  const instance = instanceOf(event);
  const instanceId = id(instance?.instanceId);
  if (instance && instanceId) {
    lookup(
      `instance:${instanceId}`,
      c.ttl.instance,
      () => getInstance(api, region, instanceId, perCall),
      (i) => {
        if (i.nodeName && !out.nodeName) out.nodeName = i.nodeName;
        if (i.cycTime) out.cycleTime = i.cycTime;
        if (i.bizdate) out.bizDate = formatDate(i.bizdate);
      },
    );
    if (instance.status === "failed")
      lookup(
        `log:${instanceId}:${id(d.modifyTime) ?? ""}`,
        c.ttl.instance,
        async () => ({
          excerpt: errorExcerpt(await getInstanceLog(api, region, instanceId, perCall), c.logLines, c.logChars),
        }),
        (l) => {
          if (l.excerpt) out.errorLog = l.excerpt;
        },
      );
    if (instance.status === "failed")
      lookup(
        `impact:${instanceId}:${id(d.modifyTime) ?? ""}`,
        c.ttl.instance,
        () => getImpact(api, region, instanceId, { projectId: workspaceId, baselineId: id(d.baselineId) }),
        (impact) => {
          if (impact.waiting > 0 || impact.baseline) out.impact = impact;
        },
        "extra",
      );
  }
  return out;
}

/**
 * Names already in the enrichment cache, without calling DataWorks: what a command listing many events shows,
 * the same names their messages showed when they were delivered.
 */
export function createCachedEnricher(deps: Omit<EnricherDeps, "logger">): Enrich {
  const cache = new LookupCache(deps.store, deps.prefix);
  return async (event) => {
    const region = event.regionId || deps.defaultRegion;
    const tasks: Array<Promise<void>> = [];
    const peek: Lookup = <T>(key: string, _ttl: number, _load: () => Promise<T>, use: (v: T) => void) => {
      const found = (v: T | undefined) => (v === undefined ? undefined : use(v));
      tasks.push(cache.peek<T>(`${region}:${key}`).then(found, () => undefined));
    };
    const out = collect(deps, event, peek);
    await Promise.all(tasks);
    return { ...out };
  };
}
