import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

/**
 * Paths pino itself redacts: request headers as a serializer would write them (censorSecrets sees a log object
 * before pino's serializers run). Only fixed paths: a wildcard path ("*.token") makes pino run its redaction on
 * every top-level key of every line and of every child logger's bindings (~7 µs a child, one per job), for what
 * censorSecrets does at any depth: SECRET_KEYS has every name those paths had (token, secret, password, …).
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-eventbridge-signature-token"]',
  'req.headers["x-eventbridge-signature-secret"]',
  'req.headers["x-slack-signature"]',
  'req.headers["x-lark-signature"]',
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

/** A value under a secret's name is censored, unless there is nothing to hide (absent or empty). */
const censorsAs = (k: string, x: unknown) => SECRET_KEYS.has(k.toLowerCase()) && x !== undefined && x !== "";

export function censorSecrets(v: unknown, depth = 0): unknown {
  if (depth > 8 || v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    const out = v.map((x) => censorSecrets(x, depth + 1));
    return out.some((x, i) => x !== v[i]) ? out : v;
  }
  const proto = Object.getPrototypeOf(v);
  if (v instanceof Error) return censorError(v, depth);
  // A class instance is not walked (its fields may be anything), but one directly under the log object has its
  // own secret fields censored, as pino's "*.token" paths did.
  if (proto !== Object.prototype && proto !== null) return depth === 1 ? censorOwnFields(v) : v;
  let out: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(v)) {
    const y = censorsAs(k, x) ? "[redacted]" : censorSecrets(x, depth + 1);
    if (y !== x) {
      out ??= { ...(v as Record<string, unknown>) };
      out[k] = y;
    }
  }
  return out ?? v;
}

function censorOwnFields(v: object): object {
  const secret = Object.keys(v).filter((k) => censorsAs(k, (v as Record<string, unknown>)[k]));
  if (!secret.length) return v;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(v)) as object, v) as Record<string, unknown>;
  for (const k of secret) copy[k] = "[redacted]";
  return copy;
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
  const logger = pino(
    {
      level,
      base: { service: "dw-chatops" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      formatters: { log: (o) => censorSecrets(o) as Record<string, unknown> },
      // Objects interpolated into a message ("%j", "%o") are censored like a logged object.
      hooks: {
        logMethod(args, method) {
          if (args.length < 2 || typeof args[0] !== "string") return method.apply(this, args);
          return method.apply(this, [args[0], ...args.slice(1).map((a) => censorSecrets(a))] as typeof args);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
  // A child logger's bindings are censored once, when it is made (pino's bindings formatter applies to the root's
  // only). Children are made from their parent by prototype, so every descendant has this child() too.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, options) {
    return child.call(this, censorSecrets(bindings) as typeof bindings, options);
  } as typeof child;
  return logger;
}

/**
 * `parent.child(bindings)`, made when first needed: a call at a level that is off (most of a job's lines at the
 * default `warn` of a busy bot) makes none. pino writes a child's bindings out as JSON when it is made, and
 * censorSecrets walks them first: ~3 KB and two children per delivered event, for lines mostly never written.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  // The child's methods bound once each, not on every call through the proxy.
  const bound = new Map<PropertyKey, unknown>();
  const real = () => {
    child ??= parent.child(bindings);
    return child;
  };
  return new Proxy(parent, {
    get(_, key) {
      if (child === undefined && typeof key === "string" && key in parent.levels.values && !parent.isLevelEnabled(key))
        return parent[key as "info"];
      const c = real();
      const v: unknown = Reflect.get(c, key, c);
      if (typeof v !== "function") return v;
      let f = bound.get(key);
      if (f === undefined) {
        f = v.bind(c);
        bound.set(key, f);
      }
      return f;
    },
    set(_, key, value) {
      bound.clear(); // setting `level` replaces pino's level methods
      return Reflect.set(real(), key, value);
    },
  });
}
