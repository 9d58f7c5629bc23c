import { hash, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import type { ingestAuthSchema } from "../config/sections/ingest.js";

export type IngestAuthConfig = z.infer<typeof ingestAuthSchema>;
type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** transient: the request could not be checked now (a certificate download failed); the sender should retry. */
export type AuthResult = { ok: true; method: string } | { ok: false; reason: string; transient?: true };

/**
 * Constant-time equality of two secrets of any length (hash first so lengths leak nothing). crypto.hash: the
 * one-shot digest, a third of createHash's cost (two per accepted token on every ingest request).
 */
export function secretEquals(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function sha256(s: string): Buffer {
  return hash("sha256", s, "buffer");
}

/** The digests of a configured list, kept while the (frozen) list lives: computed once, not on every request. */
const digests = new WeakMap<readonly string[], Buffer[]>();

function digestsOf(accepted: readonly string[]): Buffer[] {
  // A list that could still change is hashed afresh (configs are deep-frozen; a test's literal may not be).
  if (!Object.isFrozen(accepted)) return accepted.map(sha256);
  const known = digests.get(accepted);
  if (known) return known;
  const d = accepted.map(sha256);
  digests.set(accepted, d);
  return d;
}

/**
 * True when `value` equals one of `accepted`; every candidate is compared so timing does not reveal which. The value
 * is hashed once, the configured secrets once per list (see secretEquals).
 */
export function matchesAny(value: string, accepted: readonly string[]): boolean {
  const v = sha256(value);
  let ok = false;
  for (const a of digestsOf(accepted)) ok = timingSafeEqual(v, a) || ok;
  return ok;
}

function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Shared-secret checks, in the ways EventBridge can send them: the HTTPS target's user-defined token
 * (x-eventbridge-signature-token), or an API destination connection's Bearer, Basic or API-key header.
 * The EventBridge RSA signature is checked separately (eventbridge-signature.ts).
 */
export function checkSharedSecret(cfg: IngestAuthConfig, headers: Headers): AuthResult {
  const token = header(headers, "x-eventbridge-signature-token");
  if (token !== undefined && cfg.tokens.length) {
    return matchesAny(token, cfg.tokens)
      ? { ok: true, method: "token" }
      : { ok: false, reason: "x-eventbridge-signature-token does not match any configured ingest.auth.tokens" };
  }
  const authz = header(headers, "authorization");
  if (authz !== undefined) {
    const [scheme = "", value = ""] = authz.trim().split(/\s+/, 2);
    if (/^bearer$/i.test(scheme) && cfg.bearerTokens.length) {
      return matchesAny(value, cfg.bearerTokens)
        ? { ok: true, method: "bearer" }
        : { ok: false, reason: "the Bearer token does not match any configured ingest.auth.bearerTokens" };
    }
    if (/^basic$/i.test(scheme) && cfg.basic.length) {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const sep = decoded.indexOf(":");
      const user = sep >= 0 ? decoded.slice(0, sep) : decoded;
      const pass = sep >= 0 ? decoded.slice(sep + 1) : "";
      let ok = false;
      for (const c of cfg.basic) ok = (secretEquals(user, c.username) && secretEquals(pass, c.password)) || ok;
      return ok
        ? { ok: true, method: "basic" }
        : { ok: false, reason: "the Basic credentials do not match ingest.auth.basic" };
    }
  }
  if (cfg.apiKey) {
    const v = header(headers, cfg.apiKey.header);
    if (v !== undefined) {
      return matchesAny(v, cfg.apiKey.values)
        ? { ok: true, method: "api-key" }
        : { ok: false, reason: `the ${cfg.apiKey.header} header does not match ingest.auth.apiKey.values` };
    }
  }
  return {
    ok: false,
    reason:
      "no credentials: send the x-eventbridge-signature-token header (or the Authorization / API-key header your connection sets)",
  };
}
