/**
 * Is an extension point event one DataWorks is waiting on this bot for? Extension point messages reach the event
 * bus whenever the operation happens, whether or not this bot's extension is bound to that event or enabled in
 * that workspace (extensions.md §3), so only events that are (a) bound to our extension (`GetExtension` →
 * BindEventList) and (b) enabled in the event's workspace (`ListEnabledExtensionsForProject`) are ours.
 * Also honoured: a Disabled extension (Status 3), a Testing one (Status 0: only its test workspace, which
 * DataWorks does not list as enabled), and the registration's `extension.project[.<event>].disabled[.append]`
 * parameters (https://www.alibabacloud.com/help/en/dataworks/user-guide/configure-extension-parameters).
 *
 * Answers are kept in Redis (shared by every process) with the time they were read. A fresh one is used as is;
 * a stale one (older than `refreshMs`) is used too while a refresh runs in the background; when DataWorks does
 * not answer, the last good answer stays in use, and DataWorks is not asked again before a backoff (15 s doubling
 * up to `refreshMs`, shared in Redis), so an outage does not make every event ask. With no answer ever read, the
 * event counts as ours (`unverified`): answering a check nobody waits for is harmless, leaving one unanswered
 * blocks a user.
 */
import type { DwEvent } from "../core/event.js";
import type { RedisClient } from "../redis/connect.js";
import { dataworksId } from "./ids.js";
import type { DataWorksApi } from "./openapi-client.js";
import { getExtension, listEnabledExtensions } from "./snapshots.js";

/**
 * Why an event is not ours, as data: `why` is the English sentence for logs, `reason` and the ids let the
 * notification say it in the reader's language (templates' `decision.unanswered.*`).
 */
export interface NotOurs {
  ours: false;
  why: string;
  reason: NotOursReason;
  extension?: string;
  workspace?: string;
  /** The events the extension is bound to (notBound), or the workspace it is tested in (testing). */
  detail?: string;
}
export type NotOursReason =
  | "noExtensionCode"
  | "notBound"
  | "disabled"
  | "disabledByParameters"
  | "testing"
  | "notEnabled";
export type Ours = { ours: true; unverified?: string } | NotOurs;

export interface BindingsDeps {
  api: DataWorksApi;
  redis: RedisClient;
  prefix: string;
  /** dataworks.extensionCode; unset: nothing can be answered. */
  extensionCode: string | undefined;
  refreshMs: number;
  defaultRegion: string;
  now?: () => number;
  /** Told when a refresh fails and an older answer stays in use (never throws). */
  onStale?: (what: string, err: unknown) => void;
}

interface Kept<T> {
  at: number;
  value: T;
}

/** Consecutive failed reads of one answer, and when DataWorks may be asked again. */
interface Backoff {
  failures: number;
  until: number;
}

/** How long an answer is kept at all: a week of DataWorks outage still finds the last good one. */
const KEEP_MS = 7 * 24 * 3600_000;
/**
 * After a failed read DataWorks is not asked again for this long, doubling per failure up to the refresh interval:
 * during an outage the events keep the last good answer (or count as unverified) without each one asking again.
 */
const FIRST_BACKOFF_MS = 15_000;

const STATUS_DISABLED = 3;
const STATUS_TESTING = 0;

export class ExtensionBindings {
  private readonly d: BindingsDeps;
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(deps: BindingsDeps) {
    this.d = deps;
  }

  /** For an extension point event (the caller knows which events it would answer). */
  async isOurs(event: DwEvent): Promise<Ours> {
    const code = this.d.extensionCode;
    const eventCode = event.eventCode;
    if (!code)
      return {
        ours: false,
        reason: "noExtensionCode",
        why: "dataworks.extensionCode is not set, so DataWorks cannot be answered",
      };
    const region = event.regionId || this.d.defaultRegion;
    const ext = await this.kept(`ext:${region}:${code}`, () => getExtension(this.d.api, { regionId: region }, code));
    if (!ext.ok) return { ours: true, unverified: `extension ${code} could not be read (${ext.why})` };
    const info = ext.value;
    if (!info.boundEvents.includes(eventCode))
      return {
        ours: false,
        reason: "notBound",
        extension: code,
        detail: info.boundEvents.join(", ") || "-",
        why: `extension ${code} is not bound to ${eventCode} (bound: ${info.boundEvents.join(", ") || "none"})`,
      };
    if (info.status === STATUS_DISABLED)
      return { ours: false, reason: "disabled", extension: code, why: `extension ${code} is disabled in DataWorks` };
    const project = dataworksId(event.data.projectId);
    if (!project) return { ours: true }; // tenant-level events: enabled per tenant, nothing more to check
    if (disabledIn(info.parameterSetting, eventCode).has(project))
      return {
        ours: false,
        reason: "disabledByParameters",
        extension: code,
        workspace: project,
        why: `extension ${code} is disabled for workspace ${project} by its parameters`,
      };
    if (info.status === STATUS_TESTING) {
      if (String(info.projectTesting ?? "") === project) return { ours: true };
      return {
        ours: false,
        reason: "testing",
        extension: code,
        workspace: project,
        detail: String(info.projectTesting ?? "?"),
        why: `extension ${code} is in Testing: DataWorks waits on it only in workspace ${info.projectTesting ?? "?"}`,
      };
    }
    const enabled = await this.kept(`enabled:${region}:${code}:${project}:${eventCode}`, () =>
      listEnabledExtensions(this.d.api, { regionId: region }, project, eventCode),
    );
    if (!enabled.ok) return { ours: true, unverified: `workspace ${project} could not be checked (${enabled.why})` };
    return enabled.value.includes(code)
      ? { ours: true }
      : {
          ours: false,
          reason: "notEnabled",
          extension: code,
          workspace: project,
          why: `extension ${code} is not enabled for ${eventCode} in workspace ${project}`,
        };
  }

  /**
   * The kept answer: fresh, or stale while a background refresh runs; loaded (and awaited) when there is none.
   * While a failed read backs off, DataWorks is not asked: the stale answer is used, or none (`ok: false`).
   */
  private async kept<T>(
    key: string,
    load: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; why: string }> {
    const full = `${this.d.prefix}:bindings:${key}`;
    const [raw, rawBackoff] = await Promise.all([
      this.d.redis.get(full).catch(() => null),
      this.d.redis.get(`${full}:backoff`).catch(() => null),
    ]);
    const have = raw ? (JSON.parse(raw) as Kept<T>) : undefined;
    const backoff = rawBackoff ? (JSON.parse(rawBackoff) as Backoff) : undefined;
    const now = this.now();
    if (have && now - have.at < this.d.refreshMs) return { ok: true, value: have.value };
    if (backoff && now < backoff.until) {
      if (have) return { ok: true, value: have.value };
      return {
        ok: false,
        why: `DataWorks failed ${backoff.failures} time(s); asked again after ${iso(backoff.until)}`,
      };
    }
    const refresh = this.refresh(full, load, backoff);
    if (have) {
      refresh.catch((err) => this.d.onStale?.(key, err));
      return { ok: true, value: have.value };
    }
    try {
      return { ok: true, value: await refresh };
    } catch (err) {
      return { ok: false, why: String((err as Error)?.message ?? err) };
    }
  }

  /**
   * One refresh per key in flight per process; the answer is stored with its time. A failure is remembered
   * (shared by every process) so DataWorks is asked again only after a backoff.
   */
  private refresh<T>(full: string, load: () => Promise<T>, backoff: Backoff | undefined): Promise<T> {
    const pending = this.inflight.get(full);
    if (pending) return pending as Promise<T>;
    const p = load()
      .then(async (value) => {
        const kept: Kept<T> = { at: this.now(), value };
        await this.d.redis
          .multi()
          .set(full, JSON.stringify(kept), "PX", KEEP_MS)
          .del(`${full}:backoff`)
          .exec()
          .catch(() => undefined);
        return value;
      })
      .catch(async (err: unknown) => {
        const failures = (backoff?.failures ?? 0) + 1;
        const wait = Math.min(this.d.refreshMs, FIRST_BACKOFF_MS * 2 ** (failures - 1));
        const next: Backoff = { failures, until: this.now() + wait };
        await this.d.redis.set(`${full}:backoff`, JSON.stringify(next), "PX", KEEP_MS).catch(() => undefined);
        throw err;
      })
      .finally(() => this.inflight.delete(full));
    this.inflight.set(full, p);
    return p;
  }

  private now(): number {
    return (this.d.now ?? Date.now)();
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Workspaces disabled for `eventCode` by the registration's parameters (`key=value` per line; last key wins). */
export function disabledIn(parameterSetting: string | undefined, eventCode: string): Set<string> {
  const values = new Map<string, string[]>();
  for (const line of (parameterSetting ?? "").split(/\r?\n/)) {
    const m = /^\s*([^=\s]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const [, key = "", value = ""] = m;
    const ids = value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const base = key.endsWith(".append") ? key.slice(0, -".append".length) : key;
    values.set(base, key.endsWith(".append") ? [...(values.get(base) ?? []), ...ids] : ids);
  }
  return new Set([
    ...(values.get("extension.project.disabled") ?? []),
    ...(values.get(`extension.project.${eventCode}.disabled`) ?? []),
  ]);
}
