import { createHash, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ApprovalStore } from "../approvals/store.js";
import type { Config } from "../config/schema.js";
import type { OnAction, OnCommand } from "../core/chat-adapter.js";
import { sendError } from "../http/errors.js";
import type { Logger } from "../logger.js";
import { packageRoot } from "../package-root.js";
import type { TemplateEngine } from "../templating/engine.js";
import { formatTime } from "../templating/format.js";
import type { ConsoleFeed } from "./feed.js";
import { auditText, consoleLocale, consoleTranslator, pageWords, pendingText } from "./words.js";

export interface ConsoleRouteDeps {
  config: Readonly<Config>;
  feed: ConsoleFeed;
  store: ApprovalStore;
  /** The same handler the chat adapters' listeners get: clicks here run the real approval flow. */
  onAction: OnAction;
  /** The same command handler as Slack, Lark and DingTalk: the command box runs the real commands. */
  onCommand: OnCommand;
  templates: TemplateEngine;
  /** True when decisions go to the local stand-in (no DataWorks credentials). */
  standIn: boolean;
  logger: Logger;
}

const LIMITS = { user: 64, actionId: 64, value: 128, input: 500, destination: 128, text: 500 };

/**
 * The local console: a web page that acts as the `console` chat channel. GET /console (the page),
 * GET /console/api/feed (messages, stand-in decisions, audit), POST /console/api/action (a click),
 * POST /console/api/command (a command typed in the page's box, answered only to the page).
 * Anyone who can reach it can click as any name, so it answers only requests from this machine (the peer
 * address, which a client cannot choose) naming loopback or the configured host names (which defeats DNS
 * rebinding), and clicks must be same-origin JSON (no cross-site form posts).
 */
export async function consoleRoutes(app: FastifyInstance, deps: ConsoleRouteDeps) {
  const html = readFileSync(join(packageRoot(), "src", "console", "console.html"), "utf8");
  const csp = contentSecurityPolicy(html);
  const hosts = allowedHosts(deps.config);
  if (!["127.0.0.1", "localhost", "::1"].includes(deps.config.server.host))
    deps.logger.warn(
      { host: deps.config.server.host },
      "a console destination is configured on a non-loopback server: /console answers only requests from this machine",
    );

  app.addHook("onRequest", async (req, reply) => {
    // The Host header is the client's to write; the peer address is not.
    if (!isLoopback(req.socket.remoteAddress))
      return sendError(reply, 403, "forbidden_peer", "the local console answers only requests from this machine");
    const host = hostName(req.headers.host);
    if (!host || !hosts.has(host))
      return sendError(
        reply,
        403,
        "forbidden_host",
        "the local console answers only on 127.0.0.1/localhost or the host of server.publicUrl",
      );
    return undefined;
  });

  app.get("/console", async (_req, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .headers({ "content-security-policy": csp, ...COMMON_HEADERS })
      .send(html),
  );

  // One zone (templates.timeZone) and one language (the console destination's) for everything on the page.
  const tz = deps.config.templates.timeZone;
  const locale = consoleLocale(deps.config);
  const t = consoleTranslator(deps.templates.messages, locale);
  const words = pageWords(deps.templates.messages, locale);
  const consoleDestination = Object.entries(deps.config.destinations).find(([, d]) => d.platform === "console")?.[0];

  app.get("/console/api/feed", async (req: FastifyRequest<{ Querystring: { after?: string } }>, reply) => {
    const [entries, audit, pending] = await Promise.all([
      deps.feed.read(req.query.after),
      deps.store.auditLog(30),
      deps.store.pending(200),
    ]);
    return reply.headers(COMMON_HEADERS).send({
      entries: entries.map((e) => ({ ...e, time: formatTime(e.kind === "message" ? e.at : e.decision.at, tz) })),
      audit: audit.map((a) => ({ ...a, ...auditText(a, t, tz) })),
      pending: pending.length,
      pendingText: pendingText(t, pending.length),
      standIn: deps.standIn,
      ...(req.query.after ? {} : { locale, words }),
    });
  });

  app.post("/console/api/action", async (req: FastifyRequest, reply: FastifyReply) => {
    const refused = refuseRequest(req, "clicks");
    if (refused) return sendError(reply, refused.status, refused.code, refused.message);
    const body = parseAction(req.body);
    if (typeof body === "string") return sendError(reply, 400, "bad_request", body);
    const destination =
      body.destination && deps.config.destinations[body.destination]?.platform === "console"
        ? body.destination
        : undefined;
    const res = await deps.onAction({
      id: randomUUID(),
      adapter: "console",
      actionId: body.actionId,
      value: body.value,
      ...(body.input ? { input: body.input } : {}),
      user: { id: body.user, name: body.user },
      ...(destination ? { message: { adapter: "console", destination, ids: {} } } : {}),
    });
    return reply.headers(COMMON_HEADERS).send(res);
  });

  app.post("/console/api/command", async (req: FastifyRequest, reply: FastifyReply) => {
    const refused = refuseRequest(req, "commands");
    if (refused) return sendError(reply, refused.status, refused.code, refused.message);
    const body = parseCommand(req.body);
    if (typeof body === "string") return sendError(reply, 400, "bad_request", body);
    // The console is one channel: the commands.* rules apply as to any chat, with "console" user ids in roles.
    const answer = await deps.onCommand({
      adapter: "console",
      text: body.text,
      user: { id: body.user, name: body.user },
      ...(consoleDestination ? { destination: consoleDestination } : {}),
    });
    return reply.headers(COMMON_HEADERS).send({ message: answer.message, time: formatTime(Date.now(), tz) });
  });
}

/** Clicks and commands: same-origin JSON only, so a cross-site form or text/plain "simple request" never carries one. */
function refuseRequest(
  req: FastifyRequest,
  what: string,
): { status: number; code: string; message: string } | undefined {
  const origin = req.headers.origin;
  if (origin && hostOf(origin) !== req.headers.host)
    return { status: 403, code: "cross_origin", message: `${what} are accepted from the console page only` };
  if (!/^application\/json\b/i.test(String(req.headers["content-type"] ?? "")))
    return { status: 415, code: "unsupported_media_type", message: "send it as application/json" };
  return undefined;
}

const COMMON_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** Only the page's own inline script (by hash) runs; everything else comes from this origin. */
function contentSecurityPolicy(html: string): string {
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "";
  const hash = createHash("sha256").update(script, "utf8").digest("base64");
  return [
    "default-src 'none'",
    `script-src 'sha256-${hash}'`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

function allowedHosts(config: Readonly<Config>): Set<string> {
  const hosts = new Set(["localhost", "127.0.0.1", "[::1]"]);
  const h = config.server.host;
  if (h !== "0.0.0.0" && h !== "::") hosts.add(h.includes(":") ? `[${h}]` : h);
  if (config.server.publicUrl) hosts.add(new URL(config.server.publicUrl).hostname);
  return hosts;
}

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback (a dual-stack socket). */
function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return address === "::1" || /^127\.\d+\.\d+\.\d+$/.test(v4);
}

/** "host:port" → host (IPv6 keeps its brackets). */
function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

interface ActionBody {
  actionId: string;
  value: string;
  user: string;
  input?: string;
  destination?: string;
}

/** A JSON object whose `required` keys are non-blank text and whose known keys are within LIMITS. */
function checkBody(b: unknown, required: readonly string[]): Record<string, unknown> | string {
  if (!b || typeof b !== "object") return "send a JSON object";
  const o = b as Record<string, unknown>;
  for (const k of required) if (typeof o[k] !== "string" || !(o[k] as string).trim()) return `${k} is required`;
  for (const [k, max] of Object.entries(LIMITS)) {
    const v = o[k];
    if (v !== undefined && (typeof v !== "string" || v.length > max))
      return `${k} must be text of at most ${max} characters`;
  }
  return o;
}

function parseCommand(b: unknown): { user: string; text: string } | string {
  const o = checkBody(b, ["user", "text"]);
  if (typeof o === "string") return o;
  return { user: String(o.user).trim(), text: String(o.text).trim() };
}

function parseAction(b: unknown): ActionBody | string {
  const o = checkBody(b, ["actionId", "value", "user"]);
  if (typeof o === "string") return o;
  return {
    actionId: String(o.actionId),
    value: String(o.value),
    user: String(o.user).trim(),
    ...(typeof o.input === "string" && o.input.trim() ? { input: o.input.trim() } : {}),
    ...(typeof o.destination === "string" ? { destination: o.destination } : {}),
  };
}
