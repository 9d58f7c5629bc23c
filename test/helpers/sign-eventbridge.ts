/**
 * Signs requests the way EventBridge does, written directly on node:crypto and independent of
 * src/http/eventbridge-signature*.ts, so the tests check the verifier against a second reading of the spec
 * (doc "Signature algorithm" + the official Java verifier in aliyun/alibabacloud-eventbridge-sdk).
 */
import { constants, createHmac, type KeyObject, privateEncrypt, randomBytes, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "eventbridge");
export const TEST_SIGNING_KEY = readFileSync(join(DIR, "test-signing-key.pem"), "utf8");
export const TEST_SIGNING_CERT = readFileSync(join(DIR, "test-signing-cert.pem"), "utf8");

export interface SignOptions {
  /** The URL EventBridge pushes to (scheme://host/path?query), as the receiver reconstructs it. */
  url: string;
  body: string | Buffer;
  certUrl: string;
  /** Epoch ms (default: Date.now()). */
  timestamp?: number;
  /** The HTTPS target's user-defined token. */
  token?: string;
  /** Private key that signs (v2) or encrypts the temporary secret (v1). Default: the test key. */
  key?: string | KeyObject;
  /** Layout knobs where sources differ: Java verifier = trailing newline, token line always present. */
  trailingNewline?: boolean;
  tokenLineWhenAbsent?: boolean;
  method?: string;
  hashMethod?: string;
}

function stringToSign(o: SignOptions, algoName: string, algo: string, ts: string): Buffer {
  const lines = [
    o.url,
    `x-eventbridge-signature-timestamp: ${ts}`,
    `${algoName}: ${algo}`,
    "x-eventbridge-signature-version: 1.0",
    `x-eventbridge-signature-url: ${o.certUrl}`,
  ];
  if (o.token !== undefined) lines.push(`x-eventbridge-signature-token: ${o.token}`);
  else if (o.tokenLineWhenAbsent ?? true) lines.push("x-eventbridge-signature-token: ");
  const body = typeof o.body === "string" ? Buffer.from(o.body, "utf8") : o.body;
  const tail = (o.trailingNewline ?? true) ? "\n" : "";
  return Buffer.concat([Buffer.from(`${lines.join("\n")}\n`), body, Buffer.from(tail)]);
}

function common(o: SignOptions, ts: string): Record<string, string> {
  return {
    "x-eventbridge-signature-timestamp": ts,
    "x-eventbridge-signature-version": "1.0",
    "x-eventbridge-signature-url": o.certUrl,
    ...(o.token !== undefined ? { "x-eventbridge-signature-token": o.token } : {}),
  };
}

/** v1: random temporary secret, RSA-encrypted with the private key; HMAC-SHA1 over the string-to-sign. */
export function signV1(o: SignOptions): Record<string, string> {
  const ts = String(o.timestamp ?? Date.now());
  const method = o.method ?? "HMAC-SHA1";
  const secret = Buffer.from(randomBytes(24).toString("hex"));
  const encrypted = privateEncrypt({ key: o.key ?? TEST_SIGNING_KEY, padding: constants.RSA_PKCS1_PADDING }, secret);
  const mac = createHmac("sha1", secret).update(stringToSign(o, "x-eventbridge-signature-method", method, ts));
  return {
    ...common(o, ts),
    "x-eventbridge-signature-method": method,
    "x-eventbridge-signature-secret": encrypted.toString("base64"),
    "x-eventbridge-signature": mac.digest("base64"),
  };
}

/** v2: RSA PKCS#1 v1.5 signature of the SHA-256 hash of the string-to-sign. */
export function signV2(o: SignOptions): Record<string, string> {
  const ts = String(o.timestamp ?? Date.now());
  const hash = o.hashMethod ?? "SHA256";
  const data = stringToSign(o, "x-eventbridge-hash-method", hash, ts);
  return {
    ...common(o, ts),
    "x-eventbridge-hash-method": hash,
    "x-eventbridge-signature-v2": sign("sha256", data, o.key ?? TEST_SIGNING_KEY).toString("base64"),
  };
}
