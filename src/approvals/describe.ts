import { nameOf, nameOnPlatform } from "../access/people.js";
import type { ApprovalRouteConfig } from "../config/sections/approvals.js";
import type { Unanswered } from "../core/event.js";
import { type ApproverNames, approverKey } from "./approver-names.js";
import { formatTime } from "../templating/format.js";
import type { Decider, Decision } from "./types.js";

/** Approvals in words, one place for each: who may decide, and who (or what) decided. */

type T = (key: string, params?: Record<string, unknown>) => string;

/**
 * Who may decide, in words (cards, `pending`, `dw-chatops route`): groups as @name, then users per platform, by
 * name where `names` (approver-names.ts) knows one, else by id. The config's wildcard "*" is said as "anyone", and
 * a route open to anyone on one platform is just "anyone".
 */
export function approverList(route: ApprovalRouteConfig, t: T, names: ApproverNames = {}): string {
  const anyone = t("approval.anyone");
  const users = Object.entries(route.approvers.users).filter(([, ids]) => ids.length);
  const [only] = users;
  if (!route.approvers.groups.length && users.length === 1 && only?.[1].includes("*")) return anyone;
  const parts = route.approvers.groups.map((g) => `@${g}`);
  const named = (platform: string, ids: readonly string[]) =>
    ids.map((id) => names[approverKey(platform, id)] ?? id).join(", ");
  for (const [platform, ids] of users) parts.push(`${platform}: ${ids.includes("*") ? anyone : named(platform, ids)}`);
  return parts.join("; ") || "-";
}

/**
 * Everyone who may decide, one line per group and per platform (the status page, which lists the groups' members
 * too): groups as @name, then each platform's people by name where `names` knows one (as on cards), else by id,
 * with "*" said as "anyone".
 */
export function approverLines(
  groups: readonly string[],
  users: Readonly<Record<string, readonly string[]>>,
  anyone: string,
  names: ApproverNames = {},
): string[] {
  const say = (p: string, ids: readonly string[]) =>
    ids.map((id) => (id === "*" ? anyone : (names[approverKey(p, id)] ?? id))).join(", ");
  return [...groups.map((g) => `@${g}`), ...Object.entries(users).map(([p, ids]) => `${p}: ${say(p, ids)}`)];
}

/** What to call the deciders that are not people; English unless a caller passes its locale's words. */
export interface DeciderWords {
  policy: string;
  timeout: string;
  unmatched: string;
  /** "authorized in chat by" (a name follows); English when not given. */
  chat?: string;
}

const PLAIN: DeciderWords = {
  policy: "policy",
  timeout: "timeout",
  unmatched: "unmatched",
  chat: "authorized in chat by",
};

/**
 * Who decided, short: a person's display name (with their platform when `platform`), "policy <name>", or the
 * word for the deadline / no route.
 */
export function whoDecided(by: Decider, opts: { platform?: boolean; words?: DeciderWords } = {}): string {
  const words = opts.words ?? PLAIN;
  switch (by.kind) {
    case "human":
      return opts.platform ? nameOnPlatform(by) : nameOf(by);
    case "policy":
      return `${words.policy} ${by.policy}`;
    case "timeout":
      return words.timeout;
    case "unmatched":
      return words.unmatched;
    case "chat":
      return `${words.chat ?? "authorized in chat by"} ${opts.platform ? nameOnPlatform(by) : nameOf(by)}`;
  }
}

/** The names a decider answers to in `audit by=…` (case-insensitive): display name, user id, policy, or kind. */
export function decidedBy(by: Decider, name: string): boolean {
  const names =
    by.kind === "human" || by.kind === "chat"
      ? [by.name, by.userId, ...(by.kind === "chat" ? [by.kind] : [])]
      : by.kind === "policy"
        ? [by.policy, by.kind]
        : [by.kind];
  const want = name.toLowerCase();
  return names.some((n) => n !== undefined && n.toLowerCase() === want);
}

/** The decision as a card (and the console's audit panel) states it, with a person's reason on its own line. */
export function describeDecision(d: Decision, t: T, tz: string): string {
  const outcome = t(`approval.outcome.${d.result}`);
  const time = formatTime(d.at, tz);
  let line: string;
  if (d.by.kind === "human") line = t("approval.decidedBy", { outcome, who: whoDecided(d.by), time });
  else if (d.by.kind === "policy") line = t("approval.decidedByPolicy", { outcome, policy: d.by.policy, time });
  else if (d.by.kind === "chat") line = t("approval.decidedInChat", { outcome, who: whoDecided(d.by), time });
  else if (d.by.kind === "timeout") line = t("approval.decidedByTimeout", { outcome, time });
  else line = t("approval.decidedUnmatched", { outcome, time });
  return d.reason && d.by.kind === "human" ? `${line}\n${t("approval.reason")}: ${d.reason}` : line;
}

/** Why an extension point event was not answered from chat, in the words of its notification (_base.yaml). */
export function describeUnanswered(u: Unanswered, t: T): string {
  const outcome = u.checkResult ? t(`approval.outcome.${u.checkResult}`) : "";
  const { reason: _r, checkResult, ...ids } = u;
  return t(`decision.unanswered.${u.reason}`, { ...ids, result: checkResult ?? "", outcome });
}
