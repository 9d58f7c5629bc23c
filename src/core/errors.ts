/** Errors with a stable code and, for deliveries, a retry decision (alertmanager's (retryable, err)). */
export class AppError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = "AppError";
  }
}

export class ConfigError extends AppError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super("CONFIG_INVALID", `invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
    this.name = "ConfigError";
  }
}

export interface DeliveryErrorInit {
  adapter: string;
  destination: string;
  retryable: boolean;
  /** Platform-requested wait (Retry-After, x-ogw-ratelimit-reset, …). */
  retryAfterMs?: number;
  /** Platform error code, e.g. "channel_not_found", 130101. */
  platformCode?: string;
  /** True when the platform said we are sending too fast. */
  throttled?: boolean;
  /** The request may have reached the platform and done its work (a timeout, a dropped connection, a 5xx). */
  maybeDone?: boolean;
  /**
   * This payload fails the same way every time: it could not be encoded, or the platform refused its shape
   * (invalid blocks, too long). Never retried as it is; the delivery sends the minimal fallback message instead.
   */
  badPayload?: boolean;
}

/**
 * Thrown by ChatAdapter.send/update. The message must say what to fix and must not contain
 * URLs with tokens, webhook secrets or access tokens.
 */
export class DeliveryError extends AppError {
  readonly adapter: string;
  readonly destination: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly platformCode: string | undefined;
  readonly throttled: boolean;
  readonly maybeDone: boolean;
  readonly badPayload: boolean;
  constructor(message: string, init: DeliveryErrorInit, options?: ErrorOptions) {
    super(
      init.throttled ? "DELIVERY_THROTTLED" : init.retryable ? "DELIVERY_RETRYABLE" : "DELIVERY_PERMANENT",
      message,
      options,
    );
    this.name = "DeliveryError";
    this.adapter = init.adapter;
    this.destination = init.destination;
    this.retryable = init.retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.platformCode = init.platformCode;
    this.throttled = init.throttled ?? false;
    this.maybeDone = init.maybeDone ?? false;
    this.badPayload = init.badPayload ?? false;
  }
}

/**
 * An error an encoder throws for its input, before anything goes on the wire: it recurs identically on every
 * retry. URIError: node:querystring on an unpaired surrogate ("URI malformed"); TypeError from JSON.stringify
 * (a cycle, a BigInt); RangeError: a string past V8's length limit. Network failures are none of these (fetch's
 * "fetch failed" is a TypeError, hence the message check).
 */
export function isEncodingFailure(err: unknown): boolean {
  if (err instanceof URIError) return true;
  if (err instanceof RangeError) return /invalid string length|call stack/i.test(err.message);
  return err instanceof TypeError && /circular structure|serialize a BigInt/i.test(err.message);
}
