import { createHmac, timingSafeEqual } from "node:crypto";
import type { ServerResponse } from "node:http";
import { HttpFake, json, type Recorded } from "./http-fake.js";

/**
 * A scripted answer for the next message/webhook call: 429 + code 99991400 + x-ogw-ratelimit-reset, a business
 * code (HTTP 400 for the Open API like the real one, 200 for custom bots), a bare HTTP status, or a delay
 * (after which the request is handled normally: a slow server that still posts the message), or an answer whose
 * body stalls after its first byte (handled normally, the message posted, the rest of the body sent after the delay).
 */
export type LarkScript =
  | { rateLimit: number }
  | { code: number; msg?: string; status?: number }
  | { status: number }
  | { delayMs: number }
  | { bodyDelayMs: number };

export interface LarkMessage {
  message_id: string;
  chat_id: string;
  /** "app" for im/v1/messages, else the custom bot's hook id. */
  via: string;
  card: Record<string, unknown>;
  updates: number;
  uuid?: string;
  /** The message this one replies to (im/v1/messages/:id/reply). */
  replyTo?: string;
  /** An ephemeral card (ephemeral/v1/send): the one user who sees it. */
  ephemeralTo?: string;
}

export interface LarkHook {
  /** Signing secret ("签名校验"); unset = unsigned hook. */
  secret?: string;
  /** Keyword security: the body must contain it. */
  keyword?: string;
}

export interface FakeLarkOptions {
  appId: string;
  appSecret: string;
  /** Chats the bot is a member of. */
  chats: string[];
  /** Which of those are one-to-one chats with the bot (ephemeral cards are refused there); the rest are groups. */
  p2pChats?: string[];
  /** Custom bots by hook id (the last path segment of the webhook URL). */
  hooks?: Record<string, LarkHook>;
  now?: () => number;
  /** The app bot's open_id, answered by GET /open-apis/bot/v3/info (default ou_bot). */
  botOpenId?: string;
  /** bot.activate_status answered there: 2 = enabled (the default), others: not usable. */
  botActivateStatus?: number;
  /** Users in the app's contact range (open_id → name), answered by GET /open-apis/contact/v3/users/:id. */
  users?: Record<string, string>;
  /**
   * The app's contact scopes: "name" (contact:user.base:readonly, the default), "basic" (a contact scope without
   * it: users come back without their name), "none" (code 99991672).
   */
  contactScope?: "name" | "basic" | "none";
}

const CARD_MAX = 30 * 1024;
const HOOK_BODY_MAX = 20 * 1024;
/**
 * A custom bot takes 5 requests a second and 100 a minute; beyond either it answers code 11232 (custom bot guide,
 * "频率控制": https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot). Refused requests are not counted
 * here: the guide does not say they are.
 */
const HOOK_WINDOWS = [
  { max: 5, ms: 1_000 },
  { max: 100, ms: 60_000 },
] as const;
const HEADER_TEMPLATES = new Set([
  "blue",
  "wathet",
  "turquoise",
  "green",
  "yellow",
  "orange",
  "red",
  "carmine",
  "violet",
  "purple",
  "indigo",
  "grey",
  "default",
]);

/**
 * Fake Lark Open API + custom bots. Checks what Lark checks: app credentials, Bearer token, receive_id_type,
 * the bot being in the chat, card JSON 2.0 shape, the 30 KB card / 20 KB custom-bot limits, uuid dedupe,
 * custom-bot signatures (timestamp ±1 h), keywords and rate (5/s and 100/min, code 11232).
 */
export class FakeLark {
  readonly messages: LarkMessage[] = [];
  readonly script: LarkScript[] = [];
  readonly fake: HttpFake;
  /** Messages users sent in chats (for replies to commands): message_id → chat_id. */
  readonly userMessages = new Map<string, string>();
  /** Tokens issued; revokeTokens() empties it so the next call gets 99991663. */
  readonly tokens = new Set<string>();
  tokenRequests = 0;
  /** Custom bot requests refused for their rate (code 11232), by hook id. */
  readonly hookThrottled = new Map<string, number>();
  /** Accepted custom bot sends by hook id (arrival times), for the rate windows. */
  private readonly hookSends = new Map<string, number[]>();
  private seq = 0;
  private readonly opts: FakeLarkOptions;

  constructor(opts: FakeLarkOptions) {
    this.opts = opts;
    this.fake = new HttpFake((req, res) => this.handle(req, res));
  }

  start = () => this.fake.start();
  stop = () => this.fake.stop();
  get url() {
    return this.fake.url;
  }
  hookUrl(id: string) {
    return `${this.fake.url}/open-apis/bot/v2/hook/${id}`;
  }
  get calls() {
    return this.fake.requests;
  }
  inChat(chatId: string) {
    return this.messages.filter((m) => m.chat_id === chatId);
  }
  revokeTokens() {
    this.tokens.clear();
  }

  private now() {
    return (this.opts.now ?? Date.now)();
  }

  private async handle(req: Recorded, res: ServerResponse) {
    if (req.method === "POST" && req.path === "/open-apis/auth/v3/tenant_access_token/internal")
      return this.token(req, res);
    const isHook = req.path.startsWith("/open-apis/bot/v2/hook/");
    if (!isHook) {
      const auth = String(req.headers.authorization ?? "");
      if (!auth.startsWith("Bearer ") || !this.tokens.has(auth.slice(7)))
        return json(res, 400, {
          code: 99991663,
          msg: "Invalid access token for authorization. Please make a request with token attached.",
        });
    }
    // Lookups do not take the scripted answers meant for messages.
    const contact = /^\/open-apis\/contact\/v3\/users\/([^/]+)$/.exec(req.path);
    if (req.method === "GET" && contact) return this.contactUser(decodeURIComponent(contact[1]!), req, res);
    const next = this.script.shift();
    if (next && "delayMs" in next) await new Promise((r) => setTimeout(r, next.delayMs));
    if (next && "bodyDelayMs" in next) stallBody(res, next.bodyDelayMs);
    if (next && "rateLimit" in next)
      return json(
        res,
        429,
        { code: 99991400, msg: "request trigger frequency limit" },
        { "x-ogw-ratelimit-limit": "50", "x-ogw-ratelimit-reset": String(next.rateLimit) },
      );
    if (next && "code" in next)
      return json(res, next.status ?? (isHook ? 200 : 400), {
        code: next.code,
        msg: next.msg ?? "scripted error",
        data: {},
      });
    if (next && "status" in next) return json(res, next.status, { code: 1, msg: "internal error" });
    if (isHook) return this.hook(req, res);
    if (req.method === "POST" && req.path === "/open-apis/im/v1/messages") return this.create(req, res);
    if (req.method === "POST" && req.path === "/open-apis/ephemeral/v1/send") return this.ephemeral(req, res);
    const reply = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/reply$/.exec(req.path);
    if (req.method === "POST" && reply) return this.reply(decodeURIComponent(reply[1]!), req, res);
    const patch = /^\/open-apis\/im\/v1\/messages\/([^/]+)$/.exec(req.path);
    if (req.method === "PATCH" && patch) return this.patch(decodeURIComponent(patch[1]!), req, res);
    if (req.method === "GET" && req.path === "/open-apis/bot/v3/info")
      return json(res, 200, {
        code: 0,
        msg: "ok",
        bot: {
          activate_status: this.opts.botActivateStatus ?? 2,
          app_name: "DataWorks Bot",
          open_id: this.opts.botOpenId ?? "ou_bot",
        },
      });
    return json(res, 404, { code: 404, msg: "not found" });
  }

  /**
   * GET /open-apis/contact/v3/users/:user_id (open.feishu.cn/document/server-docs/contact-v3/user/get): without a
   * contact scope HTTP 400 + 99991672; a user outside the contact range HTTP 400 + 41050; `name` only with
   * contact:user.base:readonly. user_id_type defaults to open_id.
   */
  private contactUser(id: string, req: Recorded, res: ServerResponse) {
    const scope = this.opts.contactScope ?? "name";
    if (scope === "none")
      return json(res, 400, {
        code: 99991672,
        msg: "Access denied. One of the following scopes is required: [contact:user.base:readonly, contact:contact.base:readonly].",
      });
    const type = req.query.get("user_id_type") ?? "open_id";
    if (!["open_id", "union_id", "user_id"].includes(type))
      return json(res, 400, { code: 99992402, msg: "field validation failed" });
    const name = type === "open_id" ? this.opts.users?.[id] : undefined;
    if (name === undefined) return json(res, 400, { code: 41050, msg: "no user authority error" });
    const user = { open_id: id, ...(scope === "name" ? { name, en_name: "" } : {}) };
    return json(res, 200, { code: 0, msg: "success", data: { user } });
  }

  private token(req: Recorded, res: ServerResponse) {
    this.tokenRequests++;
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (b.app_id !== this.opts.appId || b.app_secret !== this.opts.appSecret)
      return json(res, 400, { code: 10014, msg: "app secret invalid" });
    const token = `t-fake-${++this.seq}`;
    this.tokens.add(token);
    // Top level, not under data (token-manager.ts reads it there).
    return json(res, 200, { code: 0, msg: "ok", tenant_access_token: token, expire: 7200 });
  }

  private create(req: Recorded, res: ServerResponse) {
    if (req.query.get("receive_id_type") !== "chat_id")
      return json(res, 400, { code: 230001, msg: "invalid receive_id_type" });
    const b = (req.body ?? {}) as Record<string, unknown>;
    const chatId = String(b.receive_id ?? "");
    if (!this.opts.chats.includes(chatId))
      return json(res, 400, { code: 230002, msg: "Bot/User can NOT be out of the chat." });
    if (b.msg_type !== "interactive") return json(res, 400, { code: 230001, msg: "msg_type must be interactive" });
    if (bodyTooLarge(req, res)) return;
    const card = parseContent(b.content);
    if (typeof card === "string") return json(res, 400, { code: 230001, msg: card });
    const uuid = typeof b.uuid === "string" ? b.uuid : undefined;
    if (uuid && uuid.length > 50) return json(res, 400, { code: 230001, msg: "uuid longer than 50" });
    const dup = uuid ? this.messages.find((m) => m.uuid === uuid && m.chat_id === chatId) : undefined;
    if (dup) return json(res, 200, { code: 0, msg: "success", data: { message_id: dup.message_id, chat_id: chatId } });
    const m: LarkMessage = { message_id: `om_${++this.seq}`, chat_id: chatId, via: "app", card, updates: 0, uuid };
    this.messages.push(m);
    return json(res, 200, {
      code: 0,
      msg: "success",
      data: { message_id: m.message_id, chat_id: chatId, msg_type: "interactive" },
    });
  }

  /**
   * A card one user sees in a group ("发送仅特定人可见的消息卡片",
   * https://open.larksuite.com/document/ukTMukTMukTM/uETOyYjLxkjM24SM5IjN): tenant token, chat_id of a group the
   * bot is in (group chats only), the user's open_id, msg_type interactive, `card` as a JSON object (not a
   * string as in im/v1/messages). The exact codes for a p2p chat or a missing field are not documented there;
   * these are the Open API's generic ones.
   */
  private ephemeral(req: Recorded, res: ServerResponse) {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const chatId = typeof b.chat_id === "string" ? b.chat_id : "";
    const openId = typeof b.open_id === "string" ? b.open_id : "";
    if (!chatId || !openId || b.msg_type !== "interactive")
      return json(res, 400, { code: 99992402, msg: "field validation failed: chat_id, open_id, msg_type" });
    if (!this.opts.chats.includes(chatId))
      return json(res, 400, { code: 230002, msg: "Bot/User can NOT be out of the chat." });
    if (this.opts.p2pChats?.includes(chatId))
      return json(res, 400, { code: 230001, msg: "ephemeral cards can only be sent in group chats" });
    if (bodyTooLarge(req, res)) return;
    if (typeof b.card !== "object" || b.card === null || Array.isArray(b.card))
      return json(res, 400, { code: 99992402, msg: "field validation failed: card must be an object" });
    const card = b.card as Record<string, unknown>;
    const problem = cardProblem(card);
    if (problem) return json(res, 400, { code: 230001, msg: problem });
    const m: LarkMessage = { message_id: `om_${++this.seq}`, chat_id: chatId, via: "app", card, updates: 0 };
    m.ephemeralTo = openId;
    this.messages.push(m);
    return json(res, 200, { code: 0, msg: "success", data: { message_id: m.message_id } });
  }

  /** A user message in a chat the bot is in; returns its message_id (for im.message.receive_v1 tests). */
  userMessage(chatId: string): string {
    const id = `om_user_${++this.seq}`;
    this.userMessages.set(id, chatId);
    return id;
  }

  /** Replies: to a bot message or a user message, in the same chat; same checks as create. */
  private reply(id: string, req: Recorded, res: ServerResponse) {
    const chatId =
      this.messages.find((m) => m.message_id === id && m.via === "app")?.chat_id ?? this.userMessages.get(id);
    if (!chatId) return json(res, 400, { code: 230011, msg: "The message is not found." });
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (b.msg_type !== "interactive") return json(res, 400, { code: 230001, msg: "msg_type must be interactive" });
    if (bodyTooLarge(req, res)) return;
    const card = parseContent(b.content);
    if (typeof card === "string") return json(res, 400, { code: 230001, msg: card });
    const uuid = typeof b.uuid === "string" ? b.uuid : undefined;
    const dup = uuid ? this.messages.find((m) => m.uuid === uuid && m.replyTo === id) : undefined;
    if (dup) return json(res, 200, { code: 0, msg: "success", data: { message_id: dup.message_id, chat_id: chatId } });
    const m: LarkMessage = {
      message_id: `om_${++this.seq}`,
      chat_id: chatId,
      via: "app",
      card,
      updates: 0,
      uuid,
      replyTo: id,
    };
    this.messages.push(m);
    return json(res, 200, { code: 0, msg: "success", data: { message_id: m.message_id, chat_id: chatId } });
  }

  private patch(id: string, req: Recorded, res: ServerResponse) {
    const m = this.messages.find((x) => x.message_id === id && x.via === "app");
    if (!m) return json(res, 400, { code: 230011, msg: "The message is not found." });
    if (bodyTooLarge(req, res)) return;
    const card = parseContent((req.body as Record<string, unknown> | undefined)?.content);
    if (typeof card === "string") return json(res, 400, { code: 230001, msg: card });
    Object.assign(m, { card, updates: m.updates + 1 });
    return json(res, 200, { code: 0, msg: "success", data: {} });
  }

  private hook(req: Recorded, res: ServerResponse) {
    const id = req.path.slice("/open-apis/bot/v2/hook/".length);
    const hook = this.opts.hooks?.[id];
    if (!hook)
      return json(res, 200, { code: 19001, msg: "param invalid: incoming webhook access token invalid", data: {} });
    if (Buffer.byteLength(req.raw) > HOOK_BODY_MAX) return json(res, 200, { code: 9499, msg: "Bad Request", data: {} });
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (hook.secret) {
      const ts = Number(b.timestamp);
      const ok =
        Number.isInteger(ts) &&
        Math.abs(this.now() / 1000 - ts) <= 3600 &&
        typeof b.sign === "string" &&
        safeEqual(b.sign, createHmac("sha256", `${ts}\n${hook.secret}`).update("").digest("base64"));
      if (!ok)
        return json(res, 200, {
          code: 19021,
          msg: "sign match fail or timestamp is not within one hour from current time",
          data: {},
        });
    }
    if (hook.keyword && !req.raw.includes(hook.keyword))
      return json(res, 200, { code: 19024, msg: "Key Words Not Found", data: {} });
    const now = this.now();
    const sends = (this.hookSends.get(id) ?? []).filter((t) => t > now - 60_000);
    this.hookSends.set(id, sends);
    if (HOOK_WINDOWS.some((w) => sends.filter((t) => t > now - w.ms).length >= w.max)) {
      this.hookThrottled.set(id, (this.hookThrottled.get(id) ?? 0) + 1);
      return json(res, 200, { code: 11232, msg: "frequency limited psm[lark.oapi.app_platform_runtime]", data: {} });
    }
    if (b.msg_type !== "interactive" || typeof b.card !== "object" || b.card === null)
      return json(res, 200, { code: 9499, msg: "Bad Request", data: {} });
    const problem = cardProblem(b.card as Record<string, unknown>);
    if (problem) return json(res, 200, { code: 9499, msg: problem, data: {} });
    sends.push(now);
    this.messages.push({
      message_id: "",
      chat_id: `hook:${id}`,
      via: id,
      card: b.card as Record<string, unknown>,
      updates: 0,
    });
    return json(res, 200, { code: 0, msg: "success", data: {} });
  }
}

/** The answer's status line, headers and first byte now, the rest of its body after `ms`. */
function stallBody(res: ServerResponse, ms: number) {
  const end = res.end.bind(res);
  res.end = ((chunk: string) => {
    res.write(chunk.slice(0, 1));
    // The client may have hung up by then (its timeout): nothing is left to write to.
    setTimeout(() => res.destroyed || end(chunk.slice(1)), ms);
    return res;
  }) as typeof res.end;
}

/** Lark limits the whole card request body to 30 KB (the card travels escaped again inside `content`). */
function bodyTooLarge(req: Recorded, res: ServerResponse): boolean {
  const bytes = Buffer.byteLength(req.raw);
  if (bytes <= CARD_MAX) return false;
  json(res, 400, { code: 230025, msg: `The length of the message content reaches its limit (${bytes} bytes)` });
  return true;
}

function parseContent(content: unknown): Record<string, unknown> | string {
  if (typeof content !== "string") return "content must be a JSON string";
  let card: unknown;
  try {
    card = JSON.parse(content);
  } catch {
    return "content is not JSON";
  }
  if (typeof card !== "object" || card === null) return "content is not an object";
  return cardProblem(card as Record<string, unknown>) ?? (card as Record<string, unknown>);
}

/** The card JSON 2.0 rules we rely on (unknown shapes error on the real server too). */
export function cardProblem(card: Record<string, unknown>): string | undefined {
  if (card.schema !== "2.0") return "schema must be 2.0";
  const config = card.config as Record<string, unknown> | undefined;
  if (config?.update_multi !== true) return "config.update_multi must be true in JSON 2.0";
  const header = card.header as { title?: { tag?: string; content?: unknown }; template?: string } | undefined;
  if (header) {
    if (header.title?.tag !== "plain_text" || typeof header.title.content !== "string") return "header.title invalid";
    if (header.template && !HEADER_TEMPLATES.has(header.template)) return `unknown header template ${header.template}`;
  }
  const elements = (card.body as { elements?: unknown } | undefined)?.elements;
  if (!Array.isArray(elements)) return "body.elements must be an array";
  return elementsProblem(elements as Array<Record<string, unknown>>, "body.elements", { root: true });
}

const INTERACTIVE = new Set(["input", "select_static", "button", "select_person", "checker", "date_picker"]);

/** Form container rules ("表单容器" JSON 2.0): root only, named, named interactive children, a submit button. */
function formProblem(form: Record<string, unknown>, at: string): string | undefined {
  if (typeof form.name !== "string" || !form.name) return `${at}.name is required for a form`;
  const all: Array<Record<string, unknown>> = [];
  const walk = (els: unknown) => {
    for (const e of (els as Array<Record<string, unknown>>) ?? []) {
      all.push(e);
      walk(e.elements);
      for (const c of (e.columns as Array<Record<string, unknown>>) ?? []) walk(c.elements);
    }
  };
  walk(form.elements);
  if (all.some((e) => e.tag === "form")) return `${at}: a form cannot contain a form`;
  const unnamed = all.find((e) => INTERACTIVE.has(String(e.tag)) && (typeof e.name !== "string" || !e.name));
  if (unnamed) return `${at}: ${String(unnamed.tag)} inside a form needs a name`;
  if (!all.some((e) => e.tag === "button" && e.form_action_type === "submit"))
    return `${at}: a form needs a button with form_action_type submit`;
  for (const e of all.filter((x) => x.tag === "select_static")) {
    const options = e.options as Array<{ text?: { content?: unknown }; value?: unknown }> | undefined;
    if (
      !Array.isArray(options) ||
      !options.every((o) => typeof o.text?.content === "string" && typeof o.value === "string")
    )
      return `${at}: select_static options need text.content and value strings`;
  }
  return elementsProblem(form.elements as Array<Record<string, unknown>>, `${at}.elements`, { root: false });
}

function elementsProblem(
  elements: Array<Record<string, unknown>>,
  at: string,
  o: { root: boolean } = { root: false },
): string | undefined {
  for (const [i, e] of elements.entries()) {
    const here = `${at}[${i}]`;
    if (e.tag === "form") {
      if (!o.root) return `${here}: a form can only be placed at the card root`;
      const p = formProblem(e, here);
      if (p) return p;
      continue;
    }
    if (e.tag === "action") return `${here}: the action module does not exist in JSON 2.0`;
    if (e.tag === "markdown" && typeof e.content !== "string") return `${here}.content must be a string`;
    if (e.tag === "button") {
      const behaviors = e.behaviors as Array<{ type?: string }> | undefined;
      if (!Array.isArray(behaviors) || !behaviors.every((b) => b.type === "callback" || b.type === "open_url"))
        return `${here}.behaviors invalid`;
      if (
        !["default", "primary", "danger", "text", "laser", "primary_filled", "danger_filled", undefined].includes(
          e.type as string,
        )
      )
        return `${here}.type invalid`;
    }
    if (e.tag === "column_set") {
      for (const [j, c] of ((e.columns as Array<Record<string, unknown>>) ?? []).entries()) {
        const p = elementsProblem(
          (c.elements as Array<Record<string, unknown>>) ?? [],
          `${here}.columns[${j}].elements`,
        );
        if (p) return p;
      }
    }
  }
  return undefined;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
