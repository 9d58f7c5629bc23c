import { hash } from "node:crypto";
import type { DestinationConfig } from "../config/sections/destinations.js";
import { DEFAULT_RATE_LIMITS, type DigestConfig, type RateLimit } from "../config/sections/outbox.js";
import type { Config } from "../config/schema.js";
import type { DwEvent } from "../core/event.js";
import { targetFor } from "../platforms.js";
import type { Limit } from "./rate-limiter.js";

/** The rate limit that applies to a destination: its own, else the configured platform default, else ours. */
export function rateLimitFor(config: Readonly<Config>, destination: string): RateLimit | undefined {
  const d = config.destinations[destination];
  if (!d) return undefined;
  if (d.rateLimit) return d.rateLimit;
  const kind = limitKind(d);
  return config.outbox.rateLimits[kind as keyof Config["outbox"]["rateLimits"]] ?? DEFAULT_RATE_LIMITS[kind];
}

/** The `outbox.rateLimits` key of a destination: its platform, or the platform's webhook robot. */
function limitKind(d: DestinationConfig): string {
  if (d.platform === "dingtalk" && !d.conversationId) return "dingtalk-webhook";
  if (d.platform === "lark" && !d.chatId) return "lark-webhook";
  return d.platform;
}

/**
 * A destination's limit as the limiter applies it: one limit per window, taken together or not at all. Each
 * window is padded by a tenth (at most 1 s): the platform counts arrivals, and event-loop and network jitter can
 * put two sends a few milliseconds closer together there than they were here (the reliability suite once
 * measured 6 in a second against a limit of 5).
 */
export function destinationLimits(config: Readonly<Config>, destination: string, reserve = 0): Limit[] {
  const address = limitAddress(config, destination);
  return (rateLimitFor(config, destination) ?? []).map((w) => ({
    key: `d.${address}.${w.per}`,
    max: w.max,
    windowMs: w.per + guardMs(w.per),
    reserve,
  }));
}

/**
 * Where a destination's messages land, as the platform counts them: two destinations naming the same Slack
 * channel, Lark chat or DingTalk robot share one limit (a DingTalk robot over 20/min is muted for 10 minutes).
 * A webhook robot's address is a hash of its credential (the adapter's targetFor), so none appears in a Redis key.
 */
export function limitAddress(config: Readonly<Config>, destination: string): string {
  const d = config.destinations[destination];
  if (!d || d.platform === "console") return `dest.${destination}`;
  return `${d.platform}.${targetFor(destination, d).address}`;
}

export const guardMs = (windowMs: number): number => Math.min(Math.ceil(windowMs / 10), 1000);

export function digestFor(config: Readonly<Config>, destination: string): DigestConfig | undefined {
  const own = config.destinations[destination]?.digest ?? {};
  const merged = { ...config.outbox.digest, ...own };
  return merged.enabled ? merged : undefined;
}

/** The workspace of an event, wherever its payload keeps it (projectId, appId, queryDwProjectId …). */
export function workspaceOf(e: DwEvent): string {
  const d = e.data;
  return String(d.projectId ?? d.appId ?? d.queryDwProjectId ?? d.rootNodeProjectId ?? "");
}

/** Status-like field of an event (instance/DAG status, DQ result, baseline status, alert type). */
export function statusOf(e: DwEvent): string {
  const d = e.data;
  return String(d.status ?? d.checkResult ?? d.baselineStatus ?? d.alarmType ?? "");
}

/** The values that make an event's digest group; named keys or dotted paths into the event. */
export function groupValues(e: DwEvent, groupBy: readonly string[]): string[] {
  return groupBy.map((k) => {
    if (k === "eventCode") return e.eventCode;
    if (k === "type") return e.type;
    if (k === "workspace") return workspaceOf(e);
    if (k === "status") return statusOf(e);
    let v: unknown = k.startsWith("data.") ? e.data : (e as unknown as Record<string, unknown>);
    for (const part of (k.startsWith("data.") ? k.slice(5) : k).split("."))
      v = v && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
    return v === undefined || v === null ? "" : String(v);
  });
}

export function groupKey(e: DwEvent, groupBy: readonly string[]): string {
  return hash("sha1", groupValues(e, groupBy).join("\u0000"), "hex").slice(0, 20);
}
