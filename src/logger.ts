import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/** Paths whose values never reach a log line (headers, credentials, webhook URLs). */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-eventbridge-signature-token"]',
  'req.headers["x-eventbridge-signature-secret"]',
  'req.headers["x-slack-signature"]',
  'req.headers["x-lark-signature"]',
  "*.token",
  "*.secret",
  "*.password",
  "*.accessKeySecret",
  "*.appSecret",
  "*.clientSecret",
  "*.signingSecret",
  "*.appToken",
  "*.webhook",
  "*.accessToken",
];

/**
 * Keys whose values are secrets wherever they appear. pino's `redact` paths match fixed depths ("*.token" is
 * one level deep), so a whole config or target object logged by mistake would slip through; this walk catches
 * the same names at any depth in plain objects and arrays.
 */
const SECRET_KEYS = new Set(
  [
    "token",
    "tokens",
    "bearerTokens",
    "secret",
    "password",
    "apiKey",
    "accessKeySecret",
    "appSecret",
    "clientSecret",
    "signingSecret",
    "appToken",
    "encryptKey",
    "verificationToken",
    "webhook",
    "webhookSecret",
    "accessToken",
    "authorization",
    "cookie",
    "x-eventbridge-signature-token",
    "x-eventbridge-signature-secret",
    "x-eventbridge-signature",
    "x-slack-signature",
    "x-lark-signature",
    "x-api-key",
  ].map((k) => k.toLowerCase()),
);

export function censorSecrets(v: unknown, depth = 0): unknown {
  if (depth > 8 || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const out = v.map((x) => censorSecrets(x, depth + 1));
    return out.some((x, i) => x !== v[i]) ? out : v;
  }
  const proto = Object.getPrototypeOf(v);
  if (v instanceof Error) return censorError(v, depth);
  if (proto !== Object.prototype && proto !== null) return v;
  let out: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(v)) {
    const y =
      SECRET_KEYS.has(k.toLowerCase()) && x !== undefined && x !== "" ? "[redacted]" : censorSecrets(x, depth + 1);
    if (y !== x) {
      out ??= { ...(v as Record<string, unknown>) };
      out[k] = y;
    }
  }
  return out ?? v;
}

/**
 * An error logged as `{ err }` keeps its class (pino's serializer wants it), but its own fields (an HTTP client's
 * request config with its Authorization header, say) are censored like any object's.
 */
function censorError(e: Error, depth: number): Error {
  const fields = Object.fromEntries(Object.entries(e));
  const censored = censorSecrets(fields, depth) as Record<string, unknown>;
  if (censored === fields) return e;
  const copy = Object.create(Object.getPrototypeOf(e)) as Error;
  for (const k of ["name", "message", "stack", "cause"] as const)
    if (k in e) Object.defineProperty(copy, k, { value: e[k], enumerable: false, writable: true, configurable: true });
  return Object.assign(copy, censored);
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "dw-chatops" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { log: (o) => censorSecrets(o) as Record<string, unknown> },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
