/**
 * The strings EventBridge signs when it pushes to an HTTP/HTTPS target.
 *
 * v1 (HMAC-SHA1). Sources: the doc "Signature algorithm" (https://www.alibabacloud.com/help/en/eventbridge/user-guide/signature-algorithm,
 * zh doc-detail 207037) and the official verifier aliyun/alibabacloud-eventbridge-sdk
 * util/java/.../signature/StringToSignBuilder.java:
 *
 *   url-with-query "\n"
 *   "x-eventbridge-signature-timestamp: " ts "\n"
 *   "x-eventbridge-signature-method: " method "\n"
 *   "x-eventbridge-signature-version: " version "\n"
 *   "x-eventbridge-signature-url: " certUrl "\n"
 *   "x-eventbridge-signature-token: " token "\n"
 *   raw-body "\n"
 *
 * v2 (RSA-SHA256). The current doc says EventBridge hashes the string-to-sign with SHA-256 (named in
 * x-eventbridge-hash-method) and RSA-signs it; its "String-to-sign format" section was NOT captured, so this
 * layout is NOT confirmed by the official doc. It follows the v1 layout with x-eventbridge-hash-method in the
 * place of x-eventbridge-signature-method, as independent third-party verifiers do:
 *
 *   url-with-query "\n" ts-line "\n" "x-eventbridge-hash-method: " hash "\n" version-line "\n" url-line "\n"
 *   token-line "\n" raw-body ["\n"]
 *
 * Two details differ between sources, so each is accepted either way (`variants`):
 * - the trailing "\n" after the body: the Java verifier appends it; the doc formulas and some verifiers don't;
 * - the token line when the target has no token: the Java verifier always writes it (empty value); the doc
 *   says it is present "if you set a token".
 * Accepting both is safe: every variant puts the body last, after fixed header lines, so two variants can only
 * coincide for bodies that differ by a trailing newline, or whose first line is a header line (not JSON).
 */

export const H = {
  timestamp: "x-eventbridge-signature-timestamp",
  method: "x-eventbridge-signature-method",
  hashMethod: "x-eventbridge-hash-method",
  version: "x-eventbridge-signature-version",
  url: "x-eventbridge-signature-url",
  token: "x-eventbridge-signature-token",
  secret: "x-eventbridge-signature-secret",
  signature: "x-eventbridge-signature",
  signatureV2: "x-eventbridge-signature-v2",
} as const;

export interface SignedFields {
  url: string;
  timestamp: string;
  /** v1: x-eventbridge-signature-method; v2: x-eventbridge-hash-method. */
  algorithm: string;
  version: string;
  certUrl: string;
  token: string | undefined;
}

/** Every accepted string-to-sign for one request, the Java verifier's layout first. */
export function stringsToSign(version: 1 | 2, f: SignedFields, rawBody: Buffer): Buffer[] {
  const algoHeader = version === 1 ? H.method : H.hashMethod;
  const head = [
    f.url,
    `${H.timestamp}: ${f.timestamp}`,
    `${algoHeader}: ${f.algorithm}`,
    `${H.version}: ${f.version}`,
    `${H.url}: ${f.certUrl}`,
  ];
  const heads =
    f.token !== undefined && f.token !== "" ? [[...head, `${H.token}: ${f.token}`]] : [[...head, `${H.token}: `], head];
  const out: Buffer[] = [];
  for (const lines of heads) {
    const prefix = Buffer.from(`${lines.join("\n")}\n`, "utf8");
    out.push(Buffer.concat([prefix, rawBody, NEWLINE]), Buffer.concat([prefix, rawBody]));
  }
  return out;
}

const NEWLINE = Buffer.from("\n", "utf8");
