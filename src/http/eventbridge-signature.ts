import { constants, createHmac, type KeyObject, publicDecrypt, timingSafeEqual, verify } from "node:crypto";
import { H, type SignedFields, stringsToSign } from "./eventbridge-signature-canonical.js";
import { CertStore } from "./eventbridge-signature-certs.js";
import type { AuthResult } from "./ingest-auth.js";

/**
 * EventBridge's own request signature on HTTP/HTTPS target pushes (see eventbridge-signature-canonical.ts
 * for the signed strings and their sources). Checks, cheapest first, so nothing is fetched for a request
 * that fails a local check:
 *   1. the signature headers are complete and the method is one we verify;
 *   2. x-eventbridge-signature-timestamp (epoch ms) is within maxSkew of now, both ways (replay window);
 *   3. x-eventbridge-signature-url is allow-listed; the certificate is fetched (cached) and parsed;
 *   4. v2: RSA PKCS#1 v1.5 SHA-256 signature over the string-to-sign (x-eventbridge-signature-v2);
 *      v1: the temporary secret is the RSA public-key decryption of x-eventbridge-signature-secret
 *      (EventBridge encrypts it with its private key; Java "RSA" = PKCS#1 v1.5), then
 *      HMAC-SHA1(secret, string-to-sign) compared in constant time with x-eventbridge-signature.
 * A request with both signatures is checked with v2. Reasons never contain the secret or signatures.
 */
export interface SignatureVerifierOptions {
  certUrlPatterns: readonly string[];
  maxSkew: number;
  certCacheTtl: number;
  certFetchTimeout: number;
  fetch?: typeof fetch;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;
export type VerifySignature = (
  headers: Headers,
  rawBody: Buffer,
  url: string,
  now: number,
) => Promise<AuthResult | undefined>;

export function createSignatureVerifier(o: SignatureVerifierOptions): VerifySignature & { certs: CertStore } {
  const certs = new CertStore({
    patterns: o.certUrlPatterns,
    ttlMs: o.certCacheTtl,
    timeoutMs: o.certFetchTimeout,
    fetch: o.fetch,
  });
  const verifySignature = async (headers: Headers, rawBody: Buffer, url: string, now: number) => {
    const v2 = one(headers, H.signatureV2);
    const v1 = one(headers, H.signature);
    if (v2 === undefined && v1 === undefined) return undefined;
    const version = v2 !== undefined ? 2 : 1;
    const fields = signedFields(headers, url, version);
    if (typeof fields === "string") return fail(fields);

    const ts = Number(fields.timestamp);
    if (!/^\d{1,16}$/.test(fields.timestamp) || !Number.isSafeInteger(ts))
      return fail(`${H.timestamp} is not epoch milliseconds`);
    if (now - ts > o.maxSkew) return fail(`the signature timestamp is ${now - ts} ms old (max ${o.maxSkew} ms)`);
    if (ts - now > o.maxSkew)
      return fail(`the signature timestamp is ${ts - now} ms in the future (max ${o.maxSkew} ms)`);

    const allowed = certs.allowed(fields.certUrl);
    if (!allowed.ok) return fail(allowed.reason);
    const cert = await certs.publicKey(allowed.url);
    if (!cert.ok)
      return cert.transient ? { ok: false as const, reason: cert.reason, transient: true as const } : fail(cert.reason);

    const candidates = stringsToSign(version, fields, rawBody);
    if (version === 2) return checkV2(cert.key, v2 ?? "", candidates);
    return checkV1(cert.key, one(headers, H.secret), v1 ?? "", candidates);
  };
  return Object.assign(verifySignature, { certs });
}

function checkV2(key: KeyObject, signatureB64: string, candidates: Buffer[]): AuthResult {
  const sig = base64(signatureB64);
  if (!sig) return fail(`${H.signatureV2} is not base64`);
  for (const data of candidates) {
    if (verify("sha256", data, key, sig)) return { ok: true, method: "signature-v2" };
  }
  return fail(`${H.signatureV2} does not match the request (URL, signature headers or body differ)`);
}

function checkV1(
  key: KeyObject,
  secretB64: string | undefined,
  signatureB64: string,
  candidates: Buffer[],
): AuthResult {
  if (!secretB64) return fail(`${H.secret} is missing`);
  const encrypted = base64(secretB64);
  if (!encrypted) return fail(`${H.secret} is not base64`);
  let secret: Buffer;
  try {
    secret = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, encrypted);
  } catch {
    return fail(`${H.secret} was not encrypted by the certificate's key`);
  }
  const given = base64(signatureB64);
  if (!given) return fail(`${H.signature} is not base64`);
  let ok = false;
  for (const data of candidates) {
    const expected = createHmac("sha1", secret).update(data).digest();
    // Every candidate is compared, so timing does not tell which layout was close.
    ok = (expected.length === given.length && timingSafeEqual(expected, given)) || ok;
  }
  return ok
    ? { ok: true, method: "signature-v1" }
    : fail(`${H.signature} does not match the request (URL, signature headers or body differ)`);
}

function signedFields(headers: Headers, url: string, version: 1 | 2): SignedFields | string {
  const algorithmHeader = version === 2 ? H.hashMethod : H.method;
  const need = [H.timestamp, algorithmHeader, H.version, H.url] as const;
  const missing = need.filter((n) => !one(headers, n));
  if (missing.length) return `incomplete EventBridge signature: missing ${missing.join(", ")}`;
  const algorithm = one(headers, algorithmHeader) ?? "";
  if (version === 2 && !/^sha-?256$/i.test(algorithm))
    return `unsupported ${H.hashMethod} ${JSON.stringify(algorithm)} (SHA256 is verified)`;
  if (version === 1 && !/^hmac-?sha1$/i.test(algorithm))
    return `unsupported ${H.method} ${JSON.stringify(algorithm)} (HMAC-SHA1 is verified)`;
  return {
    url,
    timestamp: one(headers, H.timestamp) ?? "",
    algorithm,
    version: one(headers, H.version) ?? "",
    certUrl: one(headers, H.url) ?? "",
    token: one(headers, H.token),
  };
}

function one(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Strict base64 decode: undefined for text that is not base64 (Buffer.from would silently skip it). */
function base64(s: string): Buffer | undefined {
  const t = s.trim();
  if (!t || !/^[A-Za-z0-9+/]+={0,2}$/.test(t)) return undefined;
  return Buffer.from(t, "base64");
}

const fail = (reason: string): AuthResult => ({ ok: false, reason });
