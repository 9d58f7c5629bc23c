import type { ServerResponse } from "node:http";
import { HttpFake, json, type Recorded } from "./http-fake.js";

/** A scripted answer for the next call(s): 429 with Retry-After, a Slack error code, an HTTP status, or a delay. */
export type SlackScript = { rateLimit: number } | { error: string } | { status: number } | { delayMs: number };

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Array<Record<string, unknown>>;
  updates: number;
}

/**
 * Fake Slack Web API: checks what Slack checks (bearer token, channel, text or blocks, Block Kit limits)
 * and can answer 429 + Retry-After, ok:false errors, 5xx and slowness.
 */
export class FakeSlack {
  readonly messages: SlackMessage[] = [];
  readonly ephemeral: Array<{ channel: string; user: string; text: string }> = [];
  readonly views: Array<{ trigger_id: string; view: Record<string, unknown> }> = [];
  readonly script: SlackScript[] = [];
  readonly fake: HttpFake;
  private seq = 0;
  private readonly token: string;
  private readonly channels: ReadonlySet<string>;

  /** Socket Mode: the app-level token apps.connections.open accepts, and where it sends the client. */
  private readonly appToken?: string;
  private readonly socketUrl?: () => string;

  constructor(opts: { token: string; channels: string[]; appToken?: string; socketUrl?: () => string }) {
    this.token = opts.token;
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
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return json(res, 200, { ok: false, error: "invalid_auth" });
    const next = this.script.shift();
    if (next && "delayMs" in next) await new Promise((r) => setTimeout(r, next.delayMs));
    if (next && "rateLimit" in next)
      return json(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(next.rateLimit) });
    if (next && "status" in next) return json(res, next.status, { ok: false, error: "fatal_error" });
    if (next && "error" in next) return json(res, 200, { ok: false, error: next.error });
    const args = parseArgs(req.body);
    if (method === "auth.test")
      return json(res, 200, { ok: true, user_id: "U0BOT", bot_id: "B0BOT", team_id: "T0FAKE" });
    if (method === "views.open") {
      if (!args.trigger_id) return json(res, 200, { ok: false, error: "invalid_trigger_id" });
      const view =
        typeof args.view === "string"
          ? (JSON.parse(args.view) as Record<string, unknown>)
          : (args.view as Record<string, unknown>);
      if (!view?.type || !view.title) return json(res, 200, { ok: false, error: "invalid_arguments" });
      this.views.push({ trigger_id: String(args.trigger_id), view });
      return json(res, 200, { ok: true, view: { id: `V${this.views.length}` } });
    }
    if (method === "chat.postEphemeral") {
      if (!args.user || !args.channel || !args.text) return json(res, 200, { ok: false, error: "invalid_arguments" });
      this.ephemeral.push({ channel: String(args.channel), user: String(args.user), text: String(args.text) });
      return json(res, 200, { ok: true, message_ts: "1.1" });
    }
    if (method !== "chat.postMessage" && method !== "chat.update")
      return json(res, 404, { ok: false, error: "unknown_method" });
    const channel = String(args.channel ?? "");
    if (!channel) return json(res, 200, { ok: false, error: "channel_not_found" });
    if (!this.channels.has(channel)) return json(res, 200, { ok: false, error: "channel_not_found" });
    const blocks = parseBlocks(args.blocks);
    if (blocks === "invalid") return json(res, 200, { ok: false, error: "invalid_blocks_format" });
    if (!args.text && !blocks.length) return json(res, 200, { ok: false, error: "no_text" });
    const problem = blockKitProblem(blocks);
    if (problem) return json(res, 200, { ok: false, error: "invalid_blocks", errors: [problem] });
    if (method === "chat.update") {
      const m = this.messages.find((x) => x.channel === channel && x.ts === args.ts);
      if (!m) return json(res, 200, { ok: false, error: "message_not_found" });
      Object.assign(m, { text: String(args.text ?? ""), blocks, updates: m.updates + 1 });
      return json(res, 200, { ok: true, channel, ts: m.ts });
    }
    const ts = `1750000000.${String(++this.seq).padStart(6, "0")}`;
    this.messages.push({ channel, ts, text: String(args.text ?? ""), blocks, updates: 0 });
    return json(res, 200, { ok: true, channel, ts, message: { ts } });
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
