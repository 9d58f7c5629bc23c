import { createHmac, timingSafeEqual } from "node:crypto";
import type { ServerResponse } from "node:http";
import { HttpFake, json, type Recorded } from "./http-fake.js";

/**
 * Scripted answer for the next send (webhook or OpenAPI): a webhook errcode, an OpenAPI error (status + code),
 * the OpenAPI QPS limit (HTTP 403), a bare status, or a delay before handling the request normally.
 */
export type DingTalkScript =
  | { errcode: number; errmsg?: string }
  | { apiError: string; status: number; message?: string }
  | { qpsLimit: true }
  | { status: number }
  | { delayMs: number };

export interface DingTalkRobotConfig {
  /** SEC… signing secret (加签); unset = unsigned robot. */
  secret?: string;
  /**
   * Keyword security (自定义关键词, up to 10): the message content must contain at least one of them. The fake
   * looks in the content only (markdown.text, text.content): whether DingTalk also counts the markdown title is
   * not documented, so a keyword only in the title does not pass here.
   */
  keywords?: string[];
}

export interface DingTalkMessage {
  /** "robot:<access token>" or the openConversationId. */
  to: string;
  msgtype: string;
  title: string;
  text: string;
  at?: { atUserIds?: string[]; isAtAll?: boolean };
}

export interface DingTalkCard {
  outTrackId: string;
  cardTemplateId: string;
  openSpaceId: string;
  cardParamMap: Record<string, string>;
  updates: number;
  callbackType?: string;
}

export interface FakeDingTalkOptions {
  appKey: string;
  appSecret: string;
  robotCode: string;
  /** Groups the app robot is in. */
  conversations: string[];
  /** Staff ids of the organisation (one-to-one sends to others are listed as invalid); unset: any id is valid. */
  staff?: string[];
  /** Custom robots by access token. */
  robots?: Record<string, DingTalkRobotConfig>;
  /** expireIn (seconds) of issued access tokens. */
  tokenTtlSec?: number;
  now?: () => number;
  /** Staff in the app's contact range (staff id → name), answered by the older API's /topapi/v2/user/get. */
  users?: Record<string, string>;
  /** Whether the app has the member read permission (成员信息读权限); without it user lookups fail. */
  userPermission?: boolean;
}

const MARKDOWN_MAX = 20_000;
const MSG_PARAM_MAX = 15_000;
const PER_MINUTE = 20;
const BAN_MS = 10 * 60_000;

/**
 * Fake DingTalk: custom robot (robot/send: access token, 加签 + 1 h timestamp window, keywords, 20/min then a
 * 10-minute ban, markdown size) and the OpenAPI (oauth2/accessToken, robot/groupMessages/send with token,
 * robotCode and group checks, card instances for later). Errors look like DingTalk's: HTTP 200 + errcode for the
 * webhook, HTTP 4xx + {code, message} for the OpenAPI.
 */
export class FakeDingTalk {
  readonly messages: DingTalkMessage[] = [];
  readonly cards: DingTalkCard[] = [];
  readonly script: DingTalkScript[] = [];
  readonly fake: HttpFake;
  readonly tokens = new Map<string, number>();
  tokenRequests = 0;
  private seq = 0;
  private readonly sends = new Map<string, number[]>();
  private readonly bannedUntil = new Map<string, number>();
  private readonly sessions = new Map<string, { conversationId: string; expiresAt: number }>();
  private readonly opts: FakeDingTalkOptions;

  constructor(opts: FakeDingTalkOptions) {
    this.opts = opts;
    this.fake = new HttpFake((req, res) => this.handle(req, res));
  }

  start = () => this.fake.start();
  stop = () => this.fake.stop();
  get url() {
    return this.fake.url;
  }
  get webhookUrl() {
    return `${this.fake.url}/robot/send`;
  }
  get calls() {
    return this.fake.requests;
  }
  to(address: string) {
    return this.messages.filter((m) => m.to === address);
  }
  revokeTokens() {
    this.tokens.clear();
  }

  private now() {
    return (this.opts.now ?? Date.now)();
  }

  private async handle(req: Recorded, res: ServerResponse) {
    if (req.method === "POST" && req.path === "/v1.0/oauth2/accessToken") return this.token(req, res);
    if (req.method === "POST" && req.path === "/robot/sendBySession") return this.bySession(req, res);
    if (req.method === "POST" && req.path === "/topapi/v2/user/get") return this.userGet(req, res);
    const isRobot = req.method === "POST" && req.path === "/robot/send";
    if (!isRobot) {
      const token = String(req.headers["x-acs-dingtalk-access-token"] ?? "");
      const exp = this.tokens.get(token);
      if (exp === undefined || exp < this.now())
        return json(res, 401, { code: "InvalidAuthentication", message: "不合法的access_token" });
    }
    const next = this.script.shift();
    if (next && "delayMs" in next) await new Promise((r) => setTimeout(r, next.delayMs));
    if (next && "errcode" in next) return json(res, 200, { errcode: next.errcode, errmsg: next.errmsg ?? "scripted" });
    if (next && "qpsLimit" in next)
      return json(res, 403, { code: "Forbidden.AccessDenied.QpsLimitForApi", message: "请求过于频繁" });
    if (next && "apiError" in next)
      return json(res, next.status, { code: next.apiError, message: next.message ?? "scripted" });
    if (next && "status" in next) return json(res, next.status, { code: "ServiceUnavailable", message: "scripted" });
    if (isRobot) return this.robot(req, res);
    if (req.method === "POST" && req.path === "/v1.0/robot/groupMessages/send") return this.group(req, res);
    if (req.method === "POST" && req.path === "/v1.0/robot/oToMessages/batchSend") return this.oneToOne(req, res);
    if (req.method === "POST" && req.path === "/v1.0/card/instances/createAndDeliver") return this.createCard(req, res);
    if (req.method === "PUT" && req.path === "/v1.0/card/instances") return this.updateCard(req, res);
    return json(res, 404, { code: "NotFound", message: "no such API" });
  }

  /**
   * The older API's user details (POST oapi /topapi/v2/user/get?access_token=…, body {userid}): errors are HTTP
   * 200 + errcode, like every oapi call; the new API's access token is accepted (one app credential).
   */
  private userGet(req: Recorded, res: ServerResponse) {
    const exp = this.tokens.get(req.query.get("access_token") ?? "");
    if (exp === undefined || exp < this.now())
      return json(res, 200, { errcode: 40014, errmsg: "不合法的access_token" });
    if (this.opts.userPermission === false) return json(res, 200, { errcode: 60011, errmsg: "没有调用该接口的权限" });
    const id = (req.body as { userid?: unknown } | undefined)?.userid;
    if (typeof id !== "string" || !id) return json(res, 200, { errcode: 400002, errmsg: "无效的参数" });
    const name = this.opts.users?.[id];
    if (name === undefined) return json(res, 200, { errcode: 60121, errmsg: "找不到该用户" });
    return json(res, 200, { errcode: 0, errmsg: "ok", result: { userid: id, name, active: true }, request_id: "req1" });
  }

  /** A robot message's sessionWebhook for a conversation (valid ttlMs), as Stream robot messages carry it. */
  sessionWebhook(conversationId: string, ttlMs = 90 * 60_000): { url: string; expiresAt: number } {
    const session = `sess${++this.seq}${Math.random().toString(36).slice(2)}`;
    const expiresAt = this.now() + ttlMs;
    this.sessions.set(session, { conversationId, expiresAt });
    return { url: `${this.fake.url}/robot/sendBySession?session=${session}`, expiresAt };
  }

  /** Replies through a sessionWebhook: no token, the session in the URL is the credential (notes §3.1). */
  private bySession(req: Recorded, res: ServerResponse) {
    const s = this.sessions.get(req.query.get("session") ?? "");
    if (!s || s.expiresAt < this.now())
      return json(res, 200, { errcode: 300001, errmsg: "session is not exist or expired" });
    const b = (req.body ?? {}) as {
      msgtype?: string;
      markdown?: { title?: unknown; text?: unknown };
      text?: { content?: unknown };
    };
    if (b.msgtype === "markdown" && typeof b.markdown?.title === "string" && typeof b.markdown.text === "string") {
      this.messages.push({
        to: `session:${s.conversationId}`,
        msgtype: "markdown",
        title: b.markdown.title,
        text: b.markdown.text,
      });
      return json(res, 200, { errcode: 0, errmsg: "ok" });
    }
    if (b.msgtype === "text" && typeof b.text?.content === "string") {
      this.messages.push({ to: `session:${s.conversationId}`, msgtype: "text", title: "", text: b.text.content });
      return json(res, 200, { errcode: 0, errmsg: "ok" });
    }
    return json(res, 200, { errcode: 40035, errmsg: "缺少参数" });
  }

  private token(req: Recorded, res: ServerResponse) {
    this.tokenRequests++;
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (b.appKey !== this.opts.appKey || b.appSecret !== this.opts.appSecret)
      // The real code string is not documented in our notes; the adapter treats any 4xx here as bad credentials.
      return json(res, 400, { code: "invalidClientIdOrSecret", message: "无效的clientId或者clientSecret" });
    const token = `dt-token-${++this.seq}`;
    const ttl = this.opts.tokenTtlSec ?? 7200;
    this.tokens.set(token, this.now() + ttl * 1000);
    return json(res, 200, { accessToken: token, expireIn: ttl });
  }

  private robot(req: Recorded, res: ServerResponse) {
    const accessToken = req.query.get("access_token") ?? "";
    const robot = this.opts.robots?.[accessToken];
    if (!robot) return json(res, 200, { errcode: 300001, errmsg: "token is not exist" });
    if (robot.secret) {
      const ts = Number(req.query.get("timestamp"));
      // URLSearchParams has already URL-decoded the sign.
      const sign = req.query.get("sign") ?? "";
      const expected = createHmac("sha256", robot.secret).update(`${ts}\n${robot.secret}`).digest("base64");
      if (!Number.isInteger(ts) || Math.abs(this.now() - ts) > 3_600_000 || !safeEqual(sign, expected))
        return json(res, 200, {
          errcode: 310000,
          errmsg: "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]",
        });
    }
    if (robot.keywords?.length) {
      const b = (req.body ?? {}) as { markdown?: { text?: unknown }; text?: { content?: unknown } };
      const content = [b.markdown?.text, b.text?.content].filter((x): x is string => typeof x === "string").join("\n");
      if (!robot.keywords.some((k) => content.includes(k)))
        return json(res, 200, { errcode: 310000, errmsg: "keywords not in content" });
    }
    const now = this.now();
    if ((this.bannedUntil.get(accessToken) ?? 0) > now)
      return json(res, 200, { errcode: 130101, errmsg: "send too fast, exceed 20 times per minute" });
    const recent = (this.sends.get(accessToken) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= PER_MINUTE) {
      this.bannedUntil.set(accessToken, now + BAN_MS);
      return json(res, 200, { errcode: 130101, errmsg: "send too fast, exceed 20 times per minute" });
    }
    const b = (req.body ?? {}) as {
      msgtype?: string;
      markdown?: { title?: unknown; text?: unknown };
      at?: DingTalkMessage["at"];
    };
    if (b.msgtype !== "markdown" || typeof b.markdown?.title !== "string" || typeof b.markdown.text !== "string")
      return json(res, 200, { errcode: 40035, errmsg: "缺少参数 markdown.title/markdown.text" });
    if (Buffer.byteLength(b.markdown.text) > MARKDOWN_MAX)
      // Exact errcode not verified; any non-zero errcode is a failure to the adapter.
      return json(res, 200, { errcode: 460101, errmsg: "message too long" });
    this.sends.set(accessToken, [...recent, now]);
    this.messages.push({
      to: `robot:${accessToken}`,
      msgtype: "markdown",
      title: b.markdown.title,
      text: b.markdown.text,
      at: b.at,
    });
    return json(res, 200, { errcode: 0, errmsg: "ok" });
  }

  /**
   * The app robot's one-to-one messages ("批量发送人与机器人会话中机器人消息",
   * https://open.dingtalk.com/document/orgapp/chatbots-send-one-on-one-chat-messages-in-batches): token, robotCode,
   * userIds (1–20 staff ids), msgKey, msgParam all required. Ids it cannot message come back in
   * invalidStaffIdList with HTTP 200; the exact error codes for bad fields are not given there.
   */
  private oneToOne(req: Recorded, res: ServerResponse) {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const ids = b.userIds;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 20 || !ids.every((x) => typeof x === "string" && x))
      return json(res, 400, { code: "invalidParameter.userIds", message: "userIds 必须是 1 到 20 个 userId" });
    const p = this.sampleMarkdown(b, res);
    if (!p) return;
    const invalid = this.opts.staff ? ids.filter((id) => !this.opts.staff?.includes(id)) : [];
    for (const id of ids.filter((x) => !invalid.includes(x)))
      this.messages.push({ to: `user:${id}`, msgtype: "sampleMarkdown", title: p.title, text: p.text });
    return json(res, 200, {
      processQueryKey: `pqk-${++this.seq}`,
      invalidStaffIdList: invalid,
      flowControlledStaffIdList: [],
    });
  }

  private group(req: Recorded, res: ServerResponse) {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const cid = String(b.openConversationId ?? "");
    if (b.robotCode === this.opts.robotCode && !this.opts.conversations.includes(cid))
      return json(res, 400, { code: "invalid.openConversationId", message: "无效的openConversationId" });
    const p = this.sampleMarkdown(b, res);
    if (!p) return;
    this.messages.push({ to: cid, msgtype: "sampleMarkdown", title: p.title, text: p.text });
    return json(res, 200, { processQueryKey: `pqk-${++this.seq}` });
  }

  /** robotCode, msgKey sampleMarkdown and its msgParam (a JSON string ≤ 15,000 bytes with title and text). */
  private sampleMarkdown(b: Record<string, unknown>, res: ServerResponse): { title: string; text: string } | undefined {
    const fail = (code: string, message: string) => {
      json(res, 400, { code, message });
      return undefined;
    };
    if (b.robotCode !== this.opts.robotCode) return fail("invalidParameter.robotCode.notExsit", "机器人不存在");
    if (b.msgKey !== "sampleMarkdown") return fail("invalidParameter.msgKey.invalid", "msgKey 无效");
    if (typeof b.msgParam !== "string" || Buffer.byteLength(b.msgParam) > MSG_PARAM_MAX)
      return fail("invalidParameter.msgParam.invalid", "msgParam 必须是不超过15000字节的JSON");
    let p: { title?: unknown; text?: unknown };
    try {
      p = JSON.parse(b.msgParam) as typeof p;
    } catch {
      return fail("invalidParameter.msgParam.invalid", "msgParam 必须是 JSON 格式");
    }
    if (typeof p.title !== "string" || typeof p.text !== "string")
      return fail("invalidParameter.param.invalid", "sampleMarkdown needs title and text");
    return { title: p.title, text: p.text };
  }

  /**
   * Card endpoints: request shape from notes §3.1 (python SDK card_replier.py); the checks are what the API
   * reference marks required. Error codes for a reused outTrackId are not verified against the server.
   */
  private createCard(req: Recorded, res: ServerResponse) {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const deliver = b.imGroupOpenDeliverModel as { robotCode?: unknown } | undefined;
    if (deliver?.robotCode !== this.opts.robotCode)
      return json(res, 400, { code: "invalidParameter.robotCode", message: "imGroupOpenDeliverModel.robotCode 无效" });
    if (b.callbackType !== undefined && b.callbackType !== "STREAM" && b.callbackType !== "HTTP")
      return json(res, 400, { code: "invalidParameter.callbackType", message: "callbackType must be STREAM or HTTP" });
    const params = (b.cardData as { cardParamMap?: Record<string, unknown> } | undefined)?.cardParamMap;
    if (typeof b.cardTemplateId !== "string" || typeof b.outTrackId !== "string" || typeof b.openSpaceId !== "string")
      return json(res, 400, {
        code: "invalidParameter",
        message: "cardTemplateId, outTrackId and openSpaceId are required",
      });
    if (!params || !Object.values(params).every((v) => typeof v === "string"))
      return json(res, 400, { code: "invalidParameter.cardParamMap", message: "cardParamMap values must be strings" });
    const cid = /^dtv1\.card\/\/IM_GROUP\.(.+)$/.exec(b.openSpaceId)?.[1];
    if (!cid || !this.opts.conversations.includes(cid))
      return json(res, 400, { code: "invalid.openSpaceId", message: "无效的openSpaceId" });
    if (typeof b.outTrackId === "string" && !/^[\w.~-]{1,128}$/.test(b.outTrackId))
      return json(res, 400, { code: "invalidParameter.outTrackId", message: "outTrackId 格式不正确" });
    if (this.cards.some((c) => c.outTrackId === b.outTrackId))
      return json(res, 400, { code: "outTrackId.exists", message: "outTrackId already used" });
    this.cards.push({
      outTrackId: b.outTrackId,
      cardTemplateId: b.cardTemplateId,
      openSpaceId: b.openSpaceId,
      cardParamMap: params as Record<string, string>,
      updates: 0,
      callbackType: String(b.callbackType ?? ""),
    });
    return json(res, 200, {
      success: true,
      result: { outTrackId: b.outTrackId, deliverResults: [{ success: true, spaceId: cid }] },
    });
  }

  private updateCard(req: Recorded, res: ServerResponse) {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const card = this.cards.find((c) => c.outTrackId === b.outTrackId);
    if (!card) return json(res, 400, { code: "card.not.exist", message: "卡片不存在" });
    const params = (b.cardData as { cardParamMap?: Record<string, unknown> } | undefined)?.cardParamMap ?? {};
    if (!Object.values(params).every((v) => typeof v === "string"))
      return json(res, 400, { code: "invalidParameter.cardParamMap", message: "cardParamMap values must be strings" });
    Object.assign(card.cardParamMap, params);
    card.updates++;
    return json(res, 200, { success: true, result: true });
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
