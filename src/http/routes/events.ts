import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { FunctionComputeAnswer } from "../../approvals/function-compute.js";
import type { Config } from "../../config/schema.js";
import { sharedSecretCount } from "../../config/sections/ingest.js";
import type { Logger } from "../../logger.js";
import type { DwEvent } from "../../core/event.js";
import { parseEnvelopes } from "../../dataworks/envelope.js";
import { parseJsonKeepingLongs, TooDeepError } from "../../dataworks/parse-json.js";
import type { IngestResult } from "../../ingest/ingest-events.js";
import type { Metrics } from "../../metrics.js";
import { sendError } from "../errors.js";
import { type AuthResult, checkSharedSecret } from "../ingest-auth.js";

export interface EventsRouteDeps {
  config: Readonly<Config>;
  logger: Logger;
  /** Queue the events; Function Compute envelopes come back with the answer their function returns (`answers`). */
  ingest: (events: DwEvent[]) => Promise<IngestResult & { answers?: FunctionComputeAnswer[] }>;
  /** EventBridge RSA request signature (v1/v2); present when ingest.auth.signature.enabled. */
  verifySignature?: (
    headers: FastifyRequest["headers"],
    rawBody: Buffer,
    url: string,
    now: number,
  ) => Promise<AuthResult | undefined>;
  now?: () => number;
  metrics?: Metrics;
}

/**
 * POST /dataworks/events: verify the raw bytes, parse, validate, then queue durably before answering 2xx (a
 * Function Compute envelope's answer in the body, see approvals/function-compute.ts).
 * Each failure has its own status: 401 auth, 400 JSON/envelope, 413 size, 415 media type, 422 source, 503 when
 * the event cannot be stored or its signature cannot be checked right now (certificate server down).
 */
export async function eventsRoute(app: FastifyInstance, deps: EventsRouteDeps) {
  const cfg = deps.config.ingest;
  const now = deps.now ?? Date.now;
  app.removeAllContentTypeParsers();
  // Keep the raw bytes: authentication is checked over them before anything is parsed.
  const keepRaw = (_req: FastifyRequest, body: Buffer | string, done: (err: null, body: Buffer | string) => void) =>
    done(null, body);
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, keepRaw);
  app.addContentTypeParser(/^application\/[\w.-]+\+json/i, { parseAs: "buffer" }, keepRaw);

  // Every refusal (ours and Fastify's 413/415) is counted by the error code it answers with.
  // A callback hook, not an async one: no promise per reply.
  app.addHook("onSend", (_req, reply, payload, done) => {
    done(null, deps.metrics?.countIngestReply(reply.statusCode, payload) ?? payload);
  });
  app.post(
    cfg.path,
    { bodyLimit: deps.config.server.bodyLimitBytes },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const checked = authenticate(req, raw, deps, now());
      const auth = checked instanceof Promise ? await checked : checked;
      if (!auth.ok && auth.transient) {
        // Not the sender's fault: 503 makes EventBridge retry instead of dropping the event as unauthorized.
        deps.logger.warn({ reason: auth.reason }, "event request could not be verified now");
        return sendError(reply, 503, "signature_unverifiable", `${auth.reason}; retry later`);
      }
      if (!auth.ok) {
        deps.logger.warn({ reason: auth.reason }, "event request refused");
        return sendError(reply, 401, "unauthorized", auth.reason);
      }
      let body: unknown;
      try {
        body = parseJsonKeepingLongs(raw.toString("utf8"));
      } catch (err) {
        if (err instanceof TooDeepError) return sendError(reply, 400, "invalid_event", err.message);
        return sendError(reply, 400, "invalid_json", `the body is not valid JSON: ${(err as Error).message}`);
      }
      const parsed = parseEnvelopes(body);
      if (!parsed.ok) {
        const what = parsed.problems
          .map((p) => (Array.isArray(body) ? `event[${p.index}]: ${p.message}` : p.message))
          .join("; ");
        return sendError(
          reply,
          400,
          "invalid_event",
          `the body is not a valid DataWorks event: ${what}`,
          parsed.problems,
        );
      }
      const refused = parsed.events.find((e) => !cfg.sources.includes(e.source));
      if (refused) {
        return sendError(
          reply,
          422,
          "source_not_accepted",
          `source ${JSON.stringify(refused.source)} is not accepted (ingest.sources: ${cfg.sources.join(", ")})`,
        );
      }
      if (cfg.accountIds) {
        // A Function Compute envelope carries no account id, so it cannot pass an account allow-list.
        const bad = parsed.events.find((e) => !cfg.accountIds?.includes(e.accountId ?? ""));
        if (bad)
          return sendError(
            reply,
            422,
            "account_not_accepted",
            `aliyunaccountid ${JSON.stringify(bad.accountId ?? "")} is not in ingest.accountIds`,
          );
      }
      let result: IngestResult & { answers?: FunctionComputeAnswer[] };
      try {
        // While Redis is unreachable the client queues commands; answer 503 in time instead of piling requests up.
        // If the write lands later anyway, EventBridge's retry is recognised as a duplicate.
        result = await withTimeout(deps.ingest(parsed.events), cfg.storeTimeout);
      } catch (err) {
        deps.logger.error({ err }, "could not queue events");
        // Only our own timeout says Redis is slow or away; anything else is named by kind (the log has the rest).
        const why =
          err instanceof StoreTimeout
            ? `Redis did not answer within ${cfg.storeTimeout} ms`
            : `${(err as Error).name}, see the bot's log`;
        return sendError(reply, 503, "unavailable", `the event could not be stored (${why}); retry later`);
      }
      deps.metrics?.countReceived(result);
      deps.logger.info(
        { accepted: result.accepted, duplicates: result.duplicates, auth: auth.method },
        "events accepted",
      );
      const counts = { accepted: result.accepted.length, duplicates: result.duplicates.length, ids: result.accepted };
      const [fc, ...more] = result.answers ?? [];
      // A Function Compute envelope (alone, as a forwarding function sends it): its answer in the body, 200 when a
      // policy decided (return checkResult to DataWorks), 202 when not (the function answers on its own).
      if (fc && !more.length && parsed.events.length === 1)
        return reply.code(fc.decided ? 200 : 202).send({ ...fc, ...counts });
      return reply.code(202).send(result.answers?.length ? { ...counts, answers: result.answers } : counts);
    },
  );
}

/** Only the signature check can wait (a certificate download): shared secrets are answered without a promise. */
function authenticate(
  req: FastifyRequest,
  raw: Buffer,
  deps: EventsRouteDeps,
  now: number,
): AuthResult | Promise<AuthResult> {
  const cfg = deps.config.ingest.auth;
  return cfg.signature.enabled && deps.verifySignature
    ? authenticateSigned(req, raw, deps, deps.verifySignature, now)
    : authenticateShared(cfg, req.headers);
}

async function authenticateSigned(
  req: FastifyRequest,
  raw: Buffer,
  deps: EventsRouteDeps,
  verifySignature: NonNullable<EventsRouteDeps["verifySignature"]>,
  now: number,
): Promise<AuthResult> {
  const cfg = deps.config.ingest.auth;
  const sig = await verifySignature(req.headers, raw, requestUrl(req, deps.config), now);
  // A valid signature proves the push came from EventBridge, not from *your* rule: any account's rule can
  // target this URL. So whatever shared secret is configured (target token, Bearer, Basic, API key) must
  // match as well; a signature alone is accepted only when no shared secret is configured at all.
  if (sig?.ok && sharedSecretCount(cfg) > 0) {
    const secret = checkSharedSecret(cfg, req.headers);
    return secret.ok ? { ok: true, method: `${sig.method}+${secret.method}` } : secret;
  }
  if (sig) return sig;
  if (cfg.signature.required)
    return {
      ok: false,
      reason: "an EventBridge request signature is required (ingest.auth.signature.required) and none was sent",
    };
  return authenticateShared(cfg, req.headers);
}

function authenticateShared(cfg: Readonly<Config>["ingest"]["auth"], headers: FastifyRequest["headers"]): AuthResult {
  if (sharedSecretCount(cfg) === 0) {
    if (cfg.allowUnauthenticated) return { ok: true, method: "none" };
    return {
      ok: false,
      reason: cfg.signature.enabled
        ? "the request carries no EventBridge signature headers"
        : "no ingest credentials are configured (ingest.auth); every request is refused",
    };
  }
  return checkSharedSecret(cfg, headers);
}

/** The URL EventBridge signed: the public URL when configured (behind a proxy), else what we received. */
function requestUrl(req: FastifyRequest, config: Readonly<Config>): string {
  if (config.server.publicUrl) return new URL(req.url, config.server.publicUrl).toString();
  return `${req.protocol}://${req.host}${req.url}`;
}

class StoreTimeout extends Error {
  override name = "StoreTimeout";
}

/** `p`, or a StoreTimeout after `ms`. One promise and one timer per request (no race, no finally: fewer promises). */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreTimeout(`storing the event took more than ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
