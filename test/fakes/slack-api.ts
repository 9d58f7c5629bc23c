import type { ServerResponse } from "node:http";
import { HttpFake, json, type Recorded } from "./http-fake.js";

/**
 * A scripted answer for the next call(s): 429 with Retry-After, a Slack error code, an HTTP status, a delay
 * before handling, or the call handled at once with its answer held back (the message exists; the client
 * may time out first) — all of it, or only its body after the headers went out.
 */
export type SlackScript =
  | { rateLimit: number }
  | { error: string }
  | { status: number }
  | { delayMs: number }
  | { holdAnswerMs: number }
  | { holdBodyMs: number };

export interface SlackMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** A workspace member as users.info describes them: the legacy handle, maybe a full and a display name. */
export interface SlackUser {
  name: string;
  real_name?: string;
  display_name?: string;
}

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Array<Record<string, unknown>>;
  updates: number;
  /** A reply: its parent's ts (chat.postMessage thread_ts). */
  thread_ts?: string;
  metadata?: SlackMetadata;
}

/**
 * Fake Slack Web API: checks what Slack checks (a body it can read, form or JSON; the bearer token; channel, text or
 * blocks, Block Kit limits) and can answer 429 + Retry-After, ok:false errors, 5xx and slowness.
 */
export class FakeSlack {
  readonly messages: SlackMessage[] = [];
  readonly ephemeral: Array<{ channel: string; user: string; text: string }> = [];
  readonly views: Array<{ trigger_id: string; view: Record<string, unknown> }> = [];
  readonly script: SlackScript[] = [];
  /** Every chat.update Slack applied, in order: what each call set (to count calls per message, spot repeats). */
  readonly updateLog: Array<{ channel: string; ts: string; text: string; blocks: Array<Record<string, unknown>> }> = [];
  readonly fake: HttpFake;
  private seq = 0;
  private readonly token: string;
  private readonly channels: ReadonlySet<string>;

  /** Socket Mode: the app-level token apps.connections.open accepts, and where it sends the client. */
  private readonly appToken?: string;
  private readonly socketUrl?: () => string;

  /** users.info answers these (by user id); others are user_not_found. */
  readonly users: Record<string, SlackUser>;
  /** Whether the token has users:read (users.info answers missing_scope without it). */
  usersScope: boolean;

  /** Whether the token has channels:history (conversations.history answers missing_scope without it). */
  private readonly historyScope: boolean;

  /** The scopes auth.test reports in its x-oauth-scopes header (as every Slack Web API answer does). */
  scopes: string[];

  constructor(opts: {
    token: string;
    channels: string[];
    appToken?: string;
    socketUrl?: () => string;
    history?: boolean;
    users?: Record<string, SlackUser>;
    usersScope?: boolean;
    scopes?: string[];
  }) {
    this.scopes = opts.scopes ?? ["chat:write", "users:read", "channels:history", "commands"];
    this.users = opts.users ?? {};
    this.usersScope = opts.usersScope ?? true;
    this.token = opts.token;
    this.historyScope = opts.history ?? true;
    this.appToken = opts.appToken;
    this.socketUrl = opts.socketUrl;
    this.channels = new Set(opts.channels);
    this.fake = new HttpFake((req, res) => this.handle(req, res));
  }

  start = () => this.fake.start();
  stop = () => this.fake.stop();
  get apiUrl() {
    return `${this.fake.url}/api`;
  }
  get calls() {
    return this.fake.requests;
  }
  inChannel(channel: string) {
    return this.messages.filter((m) => m.channel === channel);
  }

  private async handle(req: Recorded, res: ServerResponse) {
    const method = req.path.replace(/^\/api\//, "");
    if (method === "apps.connections.open") return this.connectionsOpen(req, res);
    const refused = bodyProblem(req);
    if (refused) return json(res, 200, { ok: false, error: refused });
    if (!req.headers.authorization) return json(res, 200, { ok: false, error: "not_authed" });
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return json(res, 200, { ok: false, error: "invalid_auth" });
    // Lookups do not take the scripted answers meant for posts.
    if (method === "users.info") {
      const a = this.usersInfo(parseArgs(req.body));
      return json(res, a.status, a.body);
    }
    const next = this.script.shift();
    if (next && "delayMs" in next) await new Promise((r) => setTimeout(r, next.delayMs));
    if (next && "rateLimit" in next)
      return json(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(next.rateLimit) });
    if (next && "status" in next) return json(res, next.status, { ok: false, error: "fatal_error" });
    if (next && "error" in next) return json(res, 200, { ok: false, error: next.error });
    const answer = this.answer(req, method);
    if (method === "auth.test")
      return json(res, answer.status, answer.body, { "x-oauth-scopes": this.scopes.join(",") });
    const charset = missingCharset(req);
    if (charset) answer.body = { ...answer.body, ...charset };
    if (next && "holdBodyMs" in next) {
      // Handled now, the status and headers sent at once, the body late: the client's timeout falls mid-answer.
      res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8" });
      res.flushHeaders();
      setTimeout(() => {
        if (!res.destroyed) res.end(JSON.stringify(answer.body));
      }, next.holdBodyMs);
      return;
    }
    if (next && "holdAnswerMs" in next) {
      // Handled now (the message exists), answered late: the client may have given up by then.
      setTimeout(() => {
        if (!res.destroyed) json(res, answer.status, answer.body);
      }, next.holdAnswerMs);
      return;
    }
    return json(res, answer.status, answer.body);
  }

  private answer(req: Recorded, method: string): { status: number; body: Record<string, unknown> } {
    const ok = (body: Record<string, unknown>) => ({ status: 200, body: { ok: true, ...body } });
    const fail = (error: string, extra: Record<string, unknown> = {}) => ({
      status: 200,
      body: { ok: false, error, ...extra },
    });
    const args = parseArgs(req.body);
    if (method === "auth.test") return ok({ user_id: "U0BOT", bot_id: "B0BOT", team_id: "T0FAKE", team: "Fake Team" });
    if (method === "views.open") {
      if (!args.trigger_id) return fail("invalid_trigger_id");
      const view =
        typeof args.view === "string"
          ? (JSON.parse(args.view) as Record<string, unknown>)
          : (args.view as Record<string, unknown>);
      if (!view?.type || !view.title) return fail("invalid_arguments");
      this.views.push({ trigger_id: String(args.trigger_id), view });
      return ok({ view: { id: `V${this.views.length}` } });
    }
    if (method === "chat.postEphemeral") {
      if (!args.user || !args.channel || !args.text) return fail("invalid_arguments");
      this.ephemeral.push({ channel: String(args.channel), user: String(args.user), text: String(args.text) });
      return ok({ message_ts: "1.1" });
    }
    if (method === "conversations.history") return this.conversationsHistory(args);
    if (method !== "chat.postMessage" && method !== "chat.update")
      return { status: 404, body: { ok: false, error: "unknown_method" } };
    const channel = String(args.channel ?? "");
    if (!channel) return fail("channel_not_found");
    if (!this.channels.has(channel)) return fail("channel_not_found");
    const blocks = parseBlocks(args.blocks);
    if (blocks === "invalid") return fail("invalid_blocks_format");
    if (!args.text && !blocks.length) return fail("no_text");
    const problem = blockKitProblem(blocks);
    if (problem) return fail("invalid_blocks", { errors: [problem] });
    if (method === "chat.update") {
      const m = this.messages.find((x) => x.channel === channel && x.ts === args.ts);
      if (!m) return fail("message_not_found");
      Object.assign(m, { text: String(args.text ?? ""), blocks, updates: m.updates + 1 });
      this.updateLog.push({ channel, ts: m.ts, text: m.text, blocks });
      return ok({ channel, ts: m.ts });
    }
    const metadata = parseMetadata(args.metadata);
    if (metadata === "invalid") return fail("invalid_metadata_format");
    // Slack refuses a thread_ts that is not a message ts ("0 is not a valid thread_ts", answered as
    // invalid_thread_ts: github.com/jenkinsci/slack-plugin/issues/584), e.g. String(undefined) from a ref without one.
    if (args.thread_ts !== undefined && !/^\d+\.\d+$/.test(String(args.thread_ts))) return fail("invalid_thread_ts");
    // Real ts values are epoch seconds (conversations.history filters on them); the sequence keeps them unique.
    const ts = `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, "0")}`;
    this.messages.push({
      channel,
      ts,
      text: String(args.text ?? ""),
      blocks,
      updates: 0,
      ...(metadata ? { metadata } : {}),
      ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}),
    });
    return ok({ channel, ts, message: { ts } });
  }

  /**
   * users.info (docs.slack.dev/reference/methods/users.info): needs users:read; a user object whose profile
   * fields may be missing or "" (only the image fields are guaranteed).
   */
  private usersInfo(args: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    if (!this.usersScope)
      return { status: 200, body: { ok: false, error: "missing_scope", needed: "users:read", provided: "chat:write" } };
    const id = String(args.user ?? "");
    const u = this.users[id];
    if (!u) return { status: 200, body: { ok: false, error: "user_not_found" } };
    return {
      status: 200,
      body: {
        ok: true,
        user: {
          id,
          name: u.name,
          real_name: u.real_name ?? "",
          profile: { display_name: u.display_name ?? "", real_name: u.real_name ?? "", image_48: "https://x/48.png" },
        },
      },
    };
  }

  /** conversations.history: newest first, after `oldest`; metadata only with include_all_metadata. */
  private conversationsHistory(args: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    if (!this.historyScope)
      return { status: 200, body: { ok: false, error: "missing_scope", needed: "channels:history" } };
    const channel = String(args.channel ?? "");
    if (!this.channels.has(channel)) return { status: 200, body: { ok: false, error: "channel_not_found" } };
    const oldest = Number(args.oldest ?? 0);
    const limit = Math.min(Number(args.limit ?? 100) || 100, 999);
    const withMeta = args.include_all_metadata === true || args.include_all_metadata === "true";
    const from = Number(args.cursor ?? 0) || 0;
    const all = this.messages.filter((m) => m.channel === channel && Number(m.ts) > oldest).reverse();
    const more = all.length > from + limit;
    const messages = all.slice(from, from + limit).map((m) => ({
      type: "message",
      ts: m.ts,
      text: m.text,
      ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
    }));
    return {
      status: 200,
      body: {
        ok: true,
        messages,
        has_more: more,
        response_metadata: { next_cursor: more ? String(from + limit) : "" },
      },
    };
  }

  /**
   * apps.connections.open: only an app-level token (xapp-…) opens a connection; Slack answers a bot token with
   * not_allowed_token_type (docs.slack.dev/reference/methods/apps.connections.open). Scripted answers apply too.
   */
  private async connectionsOpen(req: Recorded, res: ServerResponse) {
    const auth = String(req.headers.authorization ?? "");
    if (req.method !== "POST") return json(res, 405, { ok: false, error: "method_not_allowed" });
    if (!auth.startsWith("Bearer ")) return json(res, 200, { ok: false, error: "not_authed" });
    if (auth === `Bearer ${this.token}`) return json(res, 200, { ok: false, error: "not_allowed_token_type" });
    if (!this.appToken || !this.socketUrl || auth !== `Bearer ${this.appToken}`)
      return json(res, 200, { ok: false, error: "invalid_auth" });
    const next = this.script.shift();
    if (next && "delayMs" in next) await new Promise((r) => setTimeout(r, next.delayMs));
    if (next && "rateLimit" in next)
      return json(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(next.rateLimit) });
    if (next && "status" in next) return json(res, next.status, { ok: false, error: "fatal_error" });
    if (next && "error" in next) return json(res, 200, { ok: false, error: next.error });
    return json(res, 200, { ok: true, url: this.socketUrl() });
  }
}

/**
 * How Slack refuses a body it cannot read (docs.slack.dev/apis/web-api, "POST bodies"; the common errors of every
 * method's reference): no Content-Type with a body (missing_post_type), one that is neither form nor JSON
 * (invalid_post_type), a charset other than utf-8 or iso-8859-1 (invalid_charset), form data that does not decode
 * (invalid_form_data), a JSON body that does not parse (invalid_json) or is not an object (json_not_object).
 */
function bodyProblem(req: Recorded): string | undefined {
  if (req.method !== "POST") return undefined;
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  if (!type) return req.raw ? "missing_post_type" : undefined;
  const charset = /;\s*charset=([^;\s]+)/.exec(type)?.[1];
  if (charset && charset !== "utf-8" && charset !== "iso-8859-1") return "invalid_charset";
  if (type.startsWith("application/json")) {
    try {
      const b: unknown = JSON.parse(req.raw);
      return typeof b === "object" && b !== null && !Array.isArray(b) ? undefined : "json_not_object";
    } catch {
      return "invalid_json";
    }
  }
  if (type.startsWith("application/x-www-form-urlencoded")) {
    try {
      for (const pair of req.raw.split("&")) decodeURIComponent(pair.replace(/\+/g, " "));
      return undefined;
    } catch {
      return "invalid_form_data";
    }
  }
  return type.startsWith("multipart/form-data") ? undefined : "invalid_post_type";
}

/**
 * A JSON body whose Content-Type names no charset is read, with a missing_charset warning in the answer
 * (docs.slack.dev/apis/web-api, JSON-encoded bodies: "application/json; charset=utf-8").
 */
function missingCharset(req: Recorded): Record<string, unknown> | undefined {
  const type = String(req.headers["content-type"] ?? "").toLowerCase();
  if (!type.startsWith("application/json") || type.includes("charset=")) return undefined;
  return {
    warning: "missing_charset",
    response_metadata: {
      warnings: ["missing_charset"],
      messages: ["[WARN] A Content-Type HTTP header was presented but did not declare a charset, such as a 'utf-8'"],
    },
  };
}

function parseArgs(body: unknown): Record<string, unknown> {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
}

function parseBlocks(v: unknown): Array<Record<string, unknown>> | "invalid" {
  if (v === undefined) return [];
  try {
    const b = typeof v === "string" ? JSON.parse(v) : v;
    return Array.isArray(b) ? b : "invalid";
  } catch {
    return "invalid";
  }
}

/** The Block Kit limits Slack enforces (docs.slack.dev/reference/block-kit). */
export function blockKitProblem(blocks: Array<Record<string, unknown>>): string | undefined {
  if (blocks.length > 50) return `too many blocks: ${blocks.length} > 50`;
  for (const [i, b] of blocks.entries()) {
    const text = (b.text as { text?: string } | undefined)?.text ?? "";
    if (b.type === "header" && text.length > 150) return `blocks[${i}].text longer than 150`;
    if (b.type === "section") {
      if (text.length > 3000) return `blocks[${i}].text longer than 3000`;
      const fields = (b.fields as Array<{ text: string }> | undefined) ?? [];
      if (fields.length > 10) return `blocks[${i}].fields more than 10`;
      if (fields.some((f) => f.text.length > 2000)) return `blocks[${i}].fields[] longer than 2000`;
      if (!text && !fields.length) return `blocks[${i}] has neither text nor fields`;
    }
    if (b.type === "context" && ((b.elements as unknown[]) ?? []).length > 10)
      return `blocks[${i}].elements more than 10`;
  }
  return undefined;
}

/** chat.postMessage `metadata`: a JSON string or object with an event_type string and an event_payload object. */
function parseMetadata(v: unknown): SlackMetadata | undefined | "invalid" {
  if (v === undefined) return undefined;
  let m: unknown = v;
  if (typeof v === "string") {
    try {
      m = JSON.parse(v);
    } catch {
      return "invalid";
    }
  }
  const o = m as Partial<SlackMetadata> | null;
  if (!o || typeof o.event_type !== "string" || typeof o.event_payload !== "object" || o.event_payload === null)
    return "invalid";
  return { event_type: o.event_type, event_payload: o.event_payload };
}
