import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { makeWellFormed } from "../core/text.js";
import { compilePattern } from "../routing/pattern.js";
import { interpolateEnv } from "./interpolate.js";
import { issueWords, keyPath } from "./issue-words.js";
import { salvage, valueAt } from "./salvage.js";
import { typedEnvValues } from "./typed-env.js";
import { type Config, configSchema } from "./schema.js";
import { sharedSecretCount } from "./sections/ingest.js";

export const DEFAULT_CONFIG_PATH = "./dw-chatops.yaml";

export interface LoadedConfig {
  config: Readonly<Config>;
  /** The file read, or undefined when the built-in local defaults were used. */
  path: string | undefined;
}

/**
 * Find, read, interpolate and validate the config once. `--config` wins over DW_CHATOPS_CONFIG over
 * ./dw-chatops.yaml. With none of them present, the local defaults (console destination) are used so a
 * newcomer sees the bot work at once. Every problem is reported, each with its key path.
 */
export function loadConfig(
  opts: {
    path?: string;
    env?: Readonly<Record<string, string | undefined>>;
    localToken?: (dataDir: string) => string;
  } = {},
): LoadedConfig {
  const env = opts.env ?? process.env;
  // An empty DW_CHATOPS_CONFIG (compose passes unset .env entries as "") means unset, not the current directory.
  const explicit = opts.path || env.DW_CHATOPS_CONFIG || undefined;
  const path = resolve(explicit ?? DEFAULT_CONFIG_PATH);
  if (!existsSync(path)) {
    if (explicit) throw new ConfigError([`config file not found: ${path}`]);
    const defaults = localDefaults();
    if (opts.localToken) defaults.ingest = { auth: { tokens: [opts.localToken(String(defaults.dataDir))] } };
    return { config: parseConfig(defaults, env), path: undefined };
  }
  let raw: unknown;
  try {
    // A "\ud800" escape in a double-quoted scalar is an unpaired surrogate: it would reach chat as broken text.
    raw = makeWellFormed(parseYaml(readFileSync(path, "utf8")) ?? {});
  } catch (err) {
    throw new ConfigError([`${path}: not valid YAML: ${(err as Error).message}`]);
  }
  return { config: parseConfig(raw, env), path };
}

/**
 * Validate an already-parsed config object (used by loadConfig and by tests) in one pass: unset variables,
 * schema problems and cross-checks are all reported together, each once, by key path. A problem that follows
 * from an unset variable (an empty secret, "set exactly one of …") is that variable's problem, not another one.
 */
export function parseConfig(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Readonly<Config> {
  const problems: string[] = [];
  const unset: PropertyKey[][] = [];
  const interpolated = interpolateEnv(raw, env, problems, "", unset);
  if (env.REDIS_URL && interpolated && typeof interpolated === "object") {
    const r = interpolated as Record<string, Record<string, unknown> | undefined>;
    r.redis = { ...(r.redis ?? {}), url: (r.redis?.url as string | undefined) ?? env.REDIS_URL };
  }
  const words = { error: issueWords };
  const first = configSchema.safeParse(interpolated, words);
  // Numbers and booleans given as a whole ${VAR}: converted, then validated again like literals.
  const typed = first.success ? undefined : typedEnvValues(raw, interpolated, first.error.issues);
  const value = typed?.value ?? interpolated;
  const result = typed?.value === undefined ? first : configSchema.safeParse(typed.value, words);
  problems.push(...(typed?.problems ?? []));
  let checked: { config: Config; broken: Set<string> } | undefined;
  if (result.success) checked = { config: result.data, broken: new Set() };
  else {
    const own = result.error.issues.filter(
      (i) => !typed?.explained.has(i.path.map(String).join(".")) && !unset.some((u) => followsFrom(i, u)),
    );
    problems.push(...formatIssues(own));
    // The cross-checks still run, on what is left once every part with a problem is taken out.
    checked = salvage(value, result.error.issues, unset);
  }
  if (checked) {
    const names = destinationNames(value, checked.config);
    problems.push(...crossCheck(checked.config, names, checked.broken));
    if (!result.success) problems.push(...brokenItemDestinations(value, result.error.issues, unset, checked, names));
  }
  if (problems.length) throw new ConfigError([...new Set(problems)]);
  return deepFreeze((checked as { config: Config }).config);
}

/** A schema issue at or below the value of an unset variable, or a refinement of an object holding it. */
function followsFrom(issue: z.core.$ZodIssue, unsetPath: readonly PropertyKey[]): boolean {
  const p = issue.path;
  const within = (a: readonly PropertyKey[], b: readonly PropertyKey[]) =>
    a.length <= b.length && a.every((k, i) => b[i] === k);
  return within(unsetPath, p) || (issue.code === "custom" && within(p, unsetPath));
}

/** Each problem once per key path (the first is the one to fix), unknown keys each by their own path. */
function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const out = new Map<string, string>();
  for (const i of issues) {
    if (i.code === "unrecognized_keys") {
      for (const k of i.keys)
        out.set(
          keyPath([...i.path, k]),
          `${keyPath([...i.path, k])}: unknown key (a typo? every key is in docs/configuration.md)`,
        );
      continue;
    }
    const at = keyPath(i.path);
    if (!out.has(at)) out.set(at, `${at}: ${i.message}`);
  }
  return [...out.values()];
}

/** Every destination named in the file, valid or not: a route naming a broken one is not "unknown" too. */
function destinationNames(value: unknown, c: Config): Set<string> {
  const d = value && typeof value === "object" ? (value as Record<string, unknown>).destinations : undefined;
  return new Set([...Object.keys(c.destinations), ...(d && typeof d === "object" ? Object.keys(d) : [])]);
}

/** Slack C…/G…/D… ids, Lark chat ids (oc_…), DingTalk open conversation ids (cid…). */
const CHANNEL_ID = /^(?:[CGD][A-Z0-9]{6,}|oc_[A-Za-z0-9]+|cid[A-Za-z0-9+/=_-]+)$/;

/** Contradictions no single field can see (alertmanager's UnmarshalYAML checks). */
function crossCheck(c: Config, names: ReadonlySet<string>, broken: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  // A part with a schema problem is reported already: checks that read it would only guess.
  const ok = (path: string) =>
    ![...broken].some(
      (b) => path === b || path.startsWith(`${b}.`) || path.startsWith(`${b}[`) || b.startsWith(`${path}.`),
    );
  const groupsOk = ok("approvals.groups") && ok("rotations");
  // A group name is one of approvals.groups or a rotation (who is on call then).
  const known = (g: string) => c.approvals.groups[g] !== undefined || c.rotations[g] !== undefined;
  const checkGroups = (at: string, groups: readonly string[]) => {
    if (groupsOk)
      for (const g of groups)
        if (!known(g)) problems.push(`${at}: unknown group "${g}" (define it under approvals.groups or rotations)`);
  };
  for (const name of Object.keys(c.rotations))
    if (c.approvals.groups[name])
      problems.push(
        `rotations.${name}: also the name of a group under approvals.groups; give one of them another name`,
      );
  c.routes.forEach((r, i) => {
    for (const d of r.destinations)
      if (!names.has(d)) problems.push(`routes[${i}].destinations: unknown destination "${d}"`);
    if (r.match) {
      const err = compilePattern(r.match).error;
      if (err) problems.push(`routes[${i}].match: ${err}`);
    }
  });
  c.approvals.routes.forEach((r, i) => {
    for (const d of r.destinations)
      if (!names.has(d)) problems.push(`approvals.routes[${i}].destinations: unknown destination "${d}"`);
    checkGroups(`approvals.routes[${i}].approvers.groups`, r.approvers.groups);
    if (r.match) {
      const err = compilePattern(r.match).error;
      if (err) problems.push(`approvals.routes[${i}].match: ${err}`);
    }
    problems.push(...approvalTransportProblems(c, r.destinations, `approvals.routes[${i}].destinations`, ok("server")));
  });
  c.routes.forEach((r, i) => {
    checkGroups(`routes[${i}].escalate.mention.groups`, r.escalate?.mention.groups ?? []);
    const m = r.escalate?.mention;
    if (m && !m.groups.length && !Object.values(m.users).some((ids) => ids?.length))
      problems.push(`routes[${i}].escalate.mention: names nobody (give users or groups to escalate to)`);
    checkGroups(`routes[${i}].mentions.groups`, r.mentions?.groups ?? []);
    const actors = r.actions
      ? [
          ["", r.actions.groups] as const,
          ...Object.entries(r.actions.roles).map(([b, a]) => [`roles.${b}.`, a.groups] as const),
        ]
      : [];
    for (const [at, groups] of actors) checkGroups(`routes[${i}].actions.${at}groups`, groups);
  });
  c.approvals.policies.forEach((p, i) => {
    if (p.match) {
      const err = compilePattern(p.match).error;
      if (err) problems.push(`approvals.policies[${i}].match: ${err}`);
    }
    for (const key of ["sqlMatches", "codeMatches"] as const) {
      const re = p.when[key];
      if (re === undefined) continue;
      try {
        new RegExp(re, "i");
      } catch (e) {
        problems.push(`approvals.policies[${i}].when.${key}: not a valid regular expression: ${(e as Error).message}`);
      }
    }
  });
  if (
    (c.approvals.routes.length || c.approvals.policies.length) &&
    c.dataworks.accessKeyId &&
    !c.dataworks.extensionCode
  ) {
    problems.push("dataworks.extensionCode: approvals need your extension's code (Open Platform → Extensions)");
  }
  for (const [name, role] of Object.entries(c.commands.roles))
    checkGroups(`commands.roles.${name}.groups`, role?.groups ?? []);
  // A raw id must look like one: a misspelt destination name would otherwise be taken as a channel id, silently.
  for (const [i, entry] of (c.commands.channels ?? []).entries())
    if (!names.has(entry) && !CHANNEL_ID.test(entry))
      problems.push(
        `commands.channels[${i}]: "${entry}" is neither a destination nor a channel id (Slack C…/G…/D…, Lark oc_…, DingTalk cid…)`,
      );
  const auth = c.ingest.auth;
  const shared = sharedSecretCount(auth);
  // A signature proves EventBridge sent the request, not that your rule did: any account's rule can target the URL.
  if (ok("ingest") && auth.signature.enabled && shared === 0 && !c.ingest.accountIds?.length)
    problems.push(
      "ingest.accountIds: with only EventBridge signatures (no token or other shared secret), list your Alibaba Cloud account id(s); otherwise events from any account's rule are accepted",
    );
  for (const d of c.defaultDestinations)
    if (!names.has(d)) problems.push(`defaultDestinations: unknown destination "${d}"`);
  if (c.slack?.socketMode && !c.slack.appToken)
    problems.push("slack.appToken: socketMode needs the app-level token (xapp-…, scope connections:write)");
  // The SDK's WSClient.start() only logs and returns for any other appId, so the bot would never connect.
  if (c.lark?.transport === "ws" && !/^cli_[0-9a-fA-F]{16}$/.test(c.lark.appId))
    problems.push('lark.appId: the long connection (transport: ws) needs a self-built app id ("cli_" + 16 hex digits)');
  for (const [name, d] of Object.entries(c.destinations)) {
    if (d.platform === "slack" && !c.slack && ok("slack"))
      problems.push(`destinations.${name}: platform slack needs the slack section (token)`);
    if (d.platform === "lark" && d.chatId && !c.lark && ok("lark"))
      problems.push(`destinations.${name}: a Lark chatId needs the lark section (appId, appSecret)`);
    if (d.platform === "dingtalk" && d.conversationId && !c.dingtalk && ok("dingtalk")) {
      problems.push(
        `destinations.${name}: a DingTalk conversationId needs the dingtalk section (clientId, clientSecret, robotCode)`,
      );
    }
  }
  return problems;
}

/**
 * A route taken out whole for a schema problem (a missing `approvers`, a bad `continue`) still names its
 * destinations: check those too, so fixing the schema problem does not reveal a second round of problems.
 */
function brokenItemDestinations(
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
  unset: readonly PropertyKey[][],
  checked: { config: Config; broken: ReadonlySet<string> },
  names: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  for (const list of [["routes"], ["approvals", "routes"]] as const) {
    const items = valueAt(value, list);
    if (!Array.isArray(items)) continue;
    items.forEach((item, i) => {
      if (!checked.broken.has(keyPath([...list, i]))) return;
      const at = keyPath([...list, i, "destinations"]);
      const own = (p: readonly PropertyKey[]) => keyPath(p) === at || keyPath(p).startsWith(`${at}[`);
      if (issues.some((x) => own(x.path)) || unset.some(own)) return; // reported as it is
      const dests: unknown = item && typeof item === "object" ? (item as Record<string, unknown>).destinations : [];
      if (!Array.isArray(dests) || !dests.every((d): d is string => typeof d === "string")) return;
      for (const d of dests) if (!names.has(d)) problems.push(`${at}: unknown destination "${d}"`);
      if (list.length === 2)
        problems.push(...approvalTransportProblems(checked.config, dests, at, !checked.broken.has("server")));
    });
  }
  return problems;
}

/** Approval cards need a transport that can receive clicks; custom bots/robots cannot. */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

function approvalTransportProblems(
  c: Config,
  destinations: readonly string[],
  at: string,
  serverOk: boolean,
): string[] {
  const problems: string[] = [];
  for (const name of destinations) {
    const d = c.destinations[name];
    // The console page trusts a typed name: fine on loopback, not for real decisions on a reachable port.
    if (serverOk && d?.platform === "console" && c.dataworks.accessKeyId && !LOOPBACK.has(c.server.host))
      problems.push(
        `${at}: "${name}" is the local console, where anyone who reaches ${c.server.host}:${c.server.port} can decide as any name; with DataWorks credentials set, bind server.host to 127.0.0.1 or post approvals to a chat platform`,
      );
    if (d?.platform === "slack" && c.slack && !c.slack.signingSecret && !(c.slack.socketMode && c.slack.appToken))
      problems.push(
        `slack: approvals on Slack ("${name}") need clicks: set signingSecret (HTTP at POST /slack/events) or socketMode: true with appToken`,
      );
    if (d?.platform === "lark") {
      if (d.webhook)
        problems.push(`${at}: "${name}" is a Lark custom bot, which cannot receive clicks; use an app bot chatId`);
      // Over the long connection Lark authenticates the app at connect time; nothing to verify per callback.
      else if (c.lark && c.lark.transport === "http" && !c.lark.encryptKey)
        problems.push(
          `lark.encryptKey: approvals on Lark ("${name}") over HTTP callbacks need the app's Encrypt Key, so they can be verified (or use transport: ws)`,
        );
    }
    if (d?.platform === "dingtalk") {
      if (d.accessToken)
        problems.push(
          `${at}: "${name}" is a DingTalk custom robot, which cannot do approvals (URL buttons only, no callbacks); use an enterprise app robot conversationId`,
        );
      else if (c.dingtalk && !c.dingtalk.cardTemplateId)
        problems.push(
          `dingtalk.cardTemplateId: approvals on DingTalk ("${name}") need an interactive card template (card builder)`,
        );
      else if (c.dingtalk && !c.dingtalk.stream)
        problems.push(`dingtalk.stream: approvals on DingTalk ("${name}") receive clicks over Stream mode; enable it`);
    }
  }
  return problems;
}

/**
 * No config file: everything goes to a console destination (printed, and shown on the /console page), and
 * extension point events become approval cards there that anyone who types a name on the page may decide.
 * Decisions go to the labelled local stand-in, since there are no DataWorks credentials.
 */
export function localDefaults(): Record<string, unknown> {
  return {
    dataDir: ".dw-chatops",
    destinations: { console: { platform: "console" } },
    routes: [{ name: "everything", destinations: ["console"] }],
    approvals: {
      routes: [
        {
          name: "local",
          destinations: ["console"],
          approvers: { users: { console: ["*"] } },
          timeout: "30m",
          blockReasons: ["Not reviewed yet", "Outside the release window", "Breaks a downstream table"],
        },
      ],
    },
  };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
