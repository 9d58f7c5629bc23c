import { z } from "zod";
import { duration, secret } from "./common.js";

/**
 * Regions whose EventBridge certificate bucket is trusted by default: the regions where DataWorks supports
 * extensions (DataWorks "Extensions" overview). The doc "Signature algorithm" requires the certificate URL
 * to be https://[RegionId]-eventbridge.oss-accelerate.aliyuncs.com/…; the 2021 official SDK fixture used the
 * regional endpoint (…-eventbridge.oss-cn-hangzhou.aliyuncs.com), so both are allowed. The region list is
 * explicit, not [a-z-]+: OSS bucket names are first come, first served, and anyone can create a bucket such
 * as "my-eventbridge" and serve their own certificate from it. Add a pattern for other regions.
 */
export const CERT_REGIONS = [
  "cn-beijing",
  "cn-hangzhou",
  "cn-shenzhen",
  "cn-shanghai",
  "cn-zhangjiakou",
  "cn-chengdu",
  "cn-hongkong",
  "us-west-1",
  "us-east-1",
  "eu-central-1",
  "ap-northeast-1",
  "ap-southeast-1",
];
const regions = CERT_REGIONS.join("|");
export const DEFAULT_CERT_URL_PATTERNS = [
  `^https://(?:${regions})-eventbridge\\.oss-(?:accelerate|${regions})\\.aliyuncs\\.com/`,
];

const certUrlPattern = z.string().superRefine((p, ctx) => {
  try {
    new RegExp(p);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: `not a valid regular expression: ${(err as Error).message}` });
  }
});

const signatureSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Allowed certificate URLs (regular expressions, anchored at the start; https only, loopback http for tests). */
    certUrlPatterns: z.array(certUrlPattern).default(DEFAULT_CERT_URL_PATTERNS),
    /** Largest accepted difference between x-eventbridge-signature-timestamp and now, both ways. */
    maxSkew: duration("60s"),
    /** Refuse requests without an EventBridge signature, even when a token or other credential matches. */
    required: z.boolean().default(false),
    /** How long a downloaded signing certificate is reused. */
    certCacheTtl: duration("1h"),
    /** Timeout for downloading a signing certificate. */
    certFetchTimeout: duration("5s"),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.enabled && v.certUrlPatterns.length === 0)
      ctx.addIssue({ code: "custom", path: ["certUrlPatterns"], message: "enabled needs at least one pattern" });
    if (v.required && !v.enabled)
      ctx.addIssue({ code: "custom", path: ["required"], message: "required needs enabled: true" });
  });
const SIGNATURE_DEFAULTS = {
  enabled: false,
  certUrlPatterns: DEFAULT_CERT_URL_PATTERNS,
  maxSkew: 60_000,
  required: false,
  certCacheTtl: 3_600_000,
  certFetchTimeout: 5_000,
};

const basicCredential = z.object({ username: z.string().min(1), password: secret }).strict();

export const ingestAuthSchema = z
  .object({
    /** Values accepted in `x-eventbridge-signature-token` (the HTTPS target's user-defined token). Several = rotation. */
    tokens: z.array(secret).default([]),
    /** Values accepted as `Authorization: Bearer …` (API destination connection). */
    bearerTokens: z.array(secret).default([]),
    /** Credentials accepted as `Authorization: Basic …` (API destination BASIC_AUTH). */
    basic: z.array(basicCredential).default([]),
    /** API destination API_KEY_AUTH: header name and accepted values. */
    apiKey: z
      .object({ header: z.string().min(1).toLowerCase(), values: z.array(secret).min(1) })
      .strict()
      .optional(),
    /** EventBridge's own request signature (v1 HMAC-SHA1 with RSA-wrapped secret, v2 RSA-SHA256). */
    signature: signatureSchema.default(SIGNATURE_DEFAULTS),
    /** Only for local experiments: accept unauthenticated events. Never in production. */
    allowUnauthenticated: z.boolean().default(false),
  })
  .strict();

/** How many shared secrets (target tokens, Bearer tokens, Basic credentials, an API key) ingest accepts. */
export function sharedSecretCount(
  auth: Pick<z.infer<typeof ingestAuthSchema>, "tokens" | "bearerTokens" | "basic" | "apiKey">,
): number {
  return auth.tokens.length + auth.bearerTokens.length + auth.basic.length + (auth.apiKey ? 1 : 0);
}

export const ingestSchema = z
  .object({
    path: z.string().startsWith("/").default("/dataworks/events"),
    /** Accepted CloudEvent `source` values. */
    sources: z.array(z.string().min(1)).min(1).default(["acs.dataworks"]),
    /** Optional allow-list of Alibaba Cloud account ids (`aliyunaccountid`). */
    accountIds: z.array(z.string()).optional(),
    /** How long an event id is remembered for deduplication (EventBridge retries up to a day). */
    dedupeWindow: duration("25h"),
    /** How many accepted events the recent-events store keeps. */
    recentEvents: z.number().int().min(100).max(1_000_000).default(10_000),
    /** Longest a request waits to store its events before answering 503 (Redis unreachable); EventBridge retries. */
    storeTimeout: duration("5s"),
    auth: ingestAuthSchema.default({
      tokens: [],
      bearerTokens: [],
      basic: [],
      signature: SIGNATURE_DEFAULTS,
      allowUnauthenticated: false,
    }),
  })
  .strict();
