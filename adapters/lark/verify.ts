import { createDecipheriv, createHash, timingSafeEqual } from "node:crypto";
import type { RawRequest } from "../../src/core/chat-adapter.js";

/** Lark's own retry window is seconds; five minutes either way bounds how long a captured request can be replayed. */
const WINDOW_S = 300;

export type LarkVerified =
  | { ok: true; body: Record<string, unknown>; signed: boolean }
  | { ok: false; status: number; reason: string };

function header(req: RawRequest, name: string): string {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

/**
 * `{"encrypt": base64(iv16 ‖ AES-256-CBC(key = sha256(encryptKey), PKCS7))}` → the plaintext JSON object
 * ("Encrypt Key" section of "接收事件/接收回调"; the SDK's utils/aes-cipher.ts does the same). Undefined when the
 * blob does not decrypt to a JSON object (wrong key, tampered, truncated).
 */
export function decryptLark(encrypt: string, encryptKey: string): Record<string, unknown> | undefined {
  try {
    const blob = Buffer.from(encrypt, "base64");
    if (blob.length < 32 || blob.length % 16 !== 0) return undefined;
    const key = createHash("sha256").update(encryptKey, "utf8").digest();
    const d = createDecipheriv("aes-256-cbc", key, blob.subarray(0, 16));
    const plain = Buffer.concat([d.update(blob.subarray(16)), d.final()]).toString("utf8");
    const v = JSON.parse(plain) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** hex(sha256(timestamp + nonce + encryptKey + rawBody)) over the bytes as sent ("签名校验", 接收事件 doc). */
export function larkSignature(timestamp: string, nonce: string, encryptKey: string, rawBody: Buffer): string {
  return createHash("sha256")
    .update(Buffer.from(timestamp + nonce + encryptKey, "utf8"))
    .update(rawBody)
    .digest("hex");
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), "utf8");
  const y = Buffer.from(b.toLowerCase(), "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Verify a Lark event/callback request on its raw bytes, then decrypt it.
 *
 * The SDK's check is weak (none without an encrypt key; it hashes re-serialised JSON; no time window), so:
 * signature over the raw body compared in constant time, timestamp within ±5 minutes, and no unsigned request
 * is accepted except a URL-verification challenge, which Lark does not sign ("不包括请求网址校验") but encrypts
 * with the same key — decrypting it proves it came from someone holding the key, and answering it decides nothing.
 */
export function verifyLarkRequest(req: RawRequest, encryptKey: string | undefined, nowMs: number): LarkVerified {
  if (!encryptKey)
    return {
      ok: false,
      status: 401,
      reason: "lark.encryptKey is not configured: the bot refuses unsigned Lark callbacks (set the app's Encrypt Key)",
    };
  let outer: Record<string, unknown>;
  try {
    const v = JSON.parse(req.rawBody.toString("utf8")) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    outer = v as Record<string, unknown>;
  } catch {
    return { ok: false, status: 400, reason: "body is not a JSON object" };
  }
  const decrypt = () => (typeof outer.encrypt === "string" ? decryptLark(outer.encrypt, encryptKey) : outer);
  const sig = header(req, "x-lark-signature");
  const ts = header(req, "x-lark-request-timestamp");
  const nonce = header(req, "x-lark-request-nonce");
  if (!sig) {
    // Only the (encrypted) challenge may come unsigned. Every other unsigned body gets the same answer, whether
    // or not it decrypts, so the endpoint is no decryption oracle.
    const challenge = typeof outer.encrypt === "string" ? decrypt() : undefined;
    if (challenge?.type === "url_verification") return { ok: true, body: challenge, signed: false };
    return { ok: false, status: 401, reason: "missing x-lark-signature" };
  }
  const tsNum = Number(ts);
  if (!ts || !Number.isFinite(tsNum)) return { ok: false, status: 401, reason: "missing x-lark-request-timestamp" };
  if (Math.abs(nowMs / 1000 - tsNum) > WINDOW_S)
    return { ok: false, status: 401, reason: "x-lark-request-timestamp is more than 5 minutes away from now" };
  // The signature covers the raw (still encrypted) body: checked before anything is decrypted.
  if (!sameHex(sig, larkSignature(ts, nonce, encryptKey, req.rawBody)))
    return { ok: false, status: 401, reason: "x-lark-signature does not match (check lark.encryptKey)" };
  const body = decrypt();
  if (!body) return { ok: false, status: 401, reason: "body does not decrypt with lark.encryptKey" };
  return { ok: true, body, signed: true };
}
