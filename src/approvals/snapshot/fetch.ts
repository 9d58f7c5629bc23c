/**
 * The facts of an extension point event, for its approval card: the snapshot DataWorks took (GetIDEEventDetail)
 * and, for a file, the code change against the right base (extensions.md §5.1):
 *   commit-file  → the latest committed version before this one (ListFileVersions);
 *   deploy-file  → the version now in production (IsCurrentProd); none yet: a first deployment, all new;
 *   delete-file  → what goes away; CREATE → the new file's first lines.
 * Each version's code comes from the list when it carries it, else from GetFileVersion; scheduling settings that
 * changed against the base are listed too (schedule-changes.ts).
 * Tables get their full column list: none of these APIs gives the definition currently in force, so there is
 * nothing to compare with (`columnDiff` is ready for a base).
 *
 * It never throws and never waits past its budget (default 3 s): the answer is "ok", "unavailable" (no snapshot
 * for this event, or a lookup failed: `why` says which) or "late" with a promise of the final answer (which
 * resolves, never rejects) while the lookups go on and fill the cache. Lookups go through the enrichment cache
 * (Redis, shared by every worker; concurrent identical lookups make one call; failures are remembered briefly).
 */
import type { DwEvent } from "../../core/event.js";
import { dataworksId as idOf } from "../../dataworks/ids.js";
import type { DataWorksApi } from "../../dataworks/openapi-client.js";
import {
  type EventDetail,
  type FileSnapshot,
  type FileVersion,
  getEventDetail,
  getFileVersion,
  listFileVersions,
  type RunSnapshot,
  type TableSnapshot,
  type Target,
} from "../../dataworks/snapshots.js";
import { CachedMiss, type LookupCache } from "../../enrich/lookup-cache.js";
import { type CodeDiff, codeDiff, DEFAULT_BUDGET, type DiffBudget } from "./diff.js";
import { type ScheduleChange, scheduleChanges } from "./schedule-changes.js";

/** The events GetIDEEventDetail answers for (DataStudio extension points). */
export const SNAPSHOT_EVENTS: ReadonlySet<string> = new Set([
  "commit-file",
  "deploy-file",
  "delete-file",
  "run-file",
  "commit-table",
  "deploy-table",
]);

export interface FileFacts {
  kind: "file";
  file: FileSnapshot;
  /** What the diff compares with: a version, or "none" (a new file or a first deployment). */
  base: { version: number; source: "previous" | "production" } | { source: "none" };
  diff: CodeDiff;
  /** The base version's code, kept for the whole diff on the approval page. */
  baseContent: string;
  /** Scheduling settings that differ from the base version's (only those the base names). */
  schedule: ScheduleChange[];
  /**
   * Set on a stored approval whose code texts were cut (snapshot/full-diff.ts MAX_STORED_CODE): the whole diff is
   * then only what loadFullDiff reads, never a diff of these texts.
   */
  clipped?: true;
}
export type Facts =
  | FileFacts
  | { kind: "run"; run: RunSnapshot; clipped?: true }
  | { kind: "table"; table: TableSnapshot };

/**
 * Why there are no facts, as a code the card words in its locale (approval.facts.why.*). Approvals stored before
 * the codes existed have only `why`.
 */
export type UnavailableReason =
  | "not-a-snapshot-event"
  | "no-project"
  | "empty-snapshot"
  | "lookup-failed"
  | "failed-recently"
  | "no-credentials"
  | "disabled"
  | "timeout";

/**
 * What the fetch finally found. Unavailable: `why` is the English sentence for logs; `detail` the short technical
 * part a card adds to its reason's words (an API's error, a config key), never a secret.
 */
export type SettledFacts =
  | { status: "ok"; facts: Facts }
  | { status: "unavailable"; why: string; reason?: UnavailableReason; detail?: string };

export function unavailable(reason: UnavailableReason, why: string, detail?: string): SettledFacts {
  return { status: "unavailable", reason, why, ...(detail ? { detail } : {}) };
}
export type FactsResult = SettledFacts | { status: "late"; final: Promise<SettledFacts> };

export interface FetchDeps {
  api: DataWorksApi;
  cache: LookupCache;
  defaultRegion: string;
  /** Time budget for the whole fetch, ms (default 3000). */
  budgetMs?: number;
  diffBudget?: DiffBudget;
  /** After a failed lookup, do not ask again for this long, ms. */
  failureTtlMs: number;
}

/**
 * A snapshot never changes, but once its facts are on the approval (bounded there) nobody reads it again: kept for the
 * late-facts job and retries only, not for days of a large file's whole code in Redis.
 */
const SNAPSHOT_TTL = 3600_000;
/** A version's code never changes; the next commit or deployment of the file often compares with it again. */
const VERSION_TTL = 24 * 3600_000;
/** The version list changes with every commit and deployment. */
const LIST_TTL = 60_000;
/** Pages of 100 versions read at most, looking for the base. */
const MAX_PAGES = 5;

export async function fetchFacts(deps: FetchDeps, event: DwEvent): Promise<FactsResult> {
  if (!SNAPSHOT_EVENTS.has(event.eventCode))
    return unavailable(
      "not-a-snapshot-event",
      `DataWorks keeps no snapshot of ${event.eventCode} events`,
      event.eventCode,
    );
  const projectId = idOf(event.data.projectId);
  if (!projectId) return unavailable("no-project", "the event carries no projectId");
  const final = load(deps, event, projectId).then(
    (facts): SettledFacts => ({ status: "ok", facts }),
    (err: unknown): SettledFacts => failed(err),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((r) => {
    timer = setTimeout(() => r("late"), deps.budgetMs ?? 3000);
  });
  const first = await Promise.race([final, late]);
  clearTimeout(timer);
  return first === "late" ? { status: "late", final } : first;
}

async function load(deps: FetchDeps, event: DwEvent, projectId: string): Promise<Facts> {
  const region = event.regionId || deps.defaultRegion;
  const t: Target = { regionId: region };
  const cached = <T>(key: string, ttl: number, fn: () => Promise<T>) =>
    deps.cache.get(`${region}:${key}`, ttl, deps.failureTtlMs, fn);
  const detail: EventDetail = await cached(`snapshot:${projectId}:${event.id}`, SNAPSHOT_TTL, () =>
    getEventDetail(deps.api, t, event.id, projectId),
  );
  if (detail.kind === "empty") throw new EmptySnapshot("DataWorks answered an empty snapshot");
  if (detail.kind === "run") return { kind: "run", run: detail };
  if (detail.kind === "table") return { kind: "table", table: detail };

  const budget = deps.diffBudget ?? DEFAULT_BUDGET;
  if ("deleted" in detail || detail.changeType === "DELETE")
    return {
      kind: "file",
      file: detail,
      base: { source: "none" },
      diff: codeDiff(detail.content, "", budget),
      baseContent: detail.content,
      schedule: [],
    };
  const fileId = detail.fileId ?? idNum(event.data.fileId);
  if (detail.changeType === "CREATE" || fileId === undefined) return newFile(detail, budget);

  const deploy = event.eventCode === "deploy-file";
  const newVersion = idNum(event.data.fileVersion) ?? detail.currentVersion;
  const pick = (versions: FileVersion[]) =>
    deploy
      ? versions.find((v) => v.isCurrentProd)
      : versions
          .filter(
            (v) =>
              (newVersion === undefined || v.version < newVersion) &&
              v.status !== "CANCELLED" &&
              v.status !== "COMMITTING",
          )
          .sort((a, b) => b.version - a.version)[0];
  let base: FileVersion | undefined;
  for (let page = 1; page <= MAX_PAGES && !base; page++) {
    const p = await cached(`versions:${projectId}:${fileId}:${page}`, LIST_TTL, () =>
      listFileVersions(deps.api, t, projectId, String(fileId), page),
    );
    base = pick(p.versions);
    if (page * 100 >= p.totalCount) break;
  }
  if (!base) return newFile(detail, budget);
  const chosen = base;
  const full =
    chosen.content !== undefined
      ? chosen
      : await cached(`version:${projectId}:${fileId}:${chosen.version}`, VERSION_TTL, () =>
          getFileVersion(deps.api, t, projectId, String(fileId), chosen.version),
        );
  const content = full.content ?? "";
  return {
    kind: "file",
    file: detail,
    base: { version: chosen.version, source: deploy ? "production" : "previous" },
    diff: codeDiff(content, detail.content, budget),
    baseContent: content,
    schedule: scheduleChanges(detail.node, full.nodeContent ?? chosen.nodeContent),
  };
}

function newFile(file: FileSnapshot, budget: DiffBudget): FileFacts {
  return {
    kind: "file",
    file,
    base: { source: "none" },
    diff: codeDiff("", file.content, budget),
    baseContent: "",
    schedule: [],
  };
}

class EmptySnapshot extends Error {}

function failed(err: unknown): SettledFacts {
  if (err instanceof CachedMiss)
    return unavailable("failed-recently", "DataWorks lookups failed moments ago; not asking again yet");
  if (err instanceof EmptySnapshot) return unavailable("empty-snapshot", err.message);
  const message = String((err as { message?: string } | undefined)?.message ?? err);
  return unavailable("lookup-failed", message, message);
}

const idNum = (v: unknown) => {
  const s = idOf(v);
  return s === undefined ? undefined : Number(s);
};
