/** Errors with a stable code and, for calls to other systems, a retry decision (alertmanager's (retryable, err)). */
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

export interface RemoteErrorInit {
  retryable: boolean;
  /** True when the other side said we are calling too fast. */
  throttled?: boolean;
  /** The wait the other side asked for (Retry-After, x-ogw-ratelimit-reset, …). */
  retryAfterMs?: number;
}

/**
 * A failed call to another system (a chat platform, DataWorks) that carries its retry decision, so one function
 * (src/jobs/retry-decision.ts) turns it into what the queue does, whichever queue runs it.
 */
export class RemoteError extends AppError {
  readonly retryable: boolean;
  readonly throttled: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(code: string, message: string, init: RemoteErrorInit, options?: ErrorOptions) {
    super(code, message, options);
    this.name = "RemoteError";
    this.retryable = init.retryable;
    this.throttled = init.throttled ?? false;
    this.retryAfterMs = init.retryAfterMs;
  }
}

export interface DeliveryErrorInit extends RemoteErrorInit {
  adapter: string;
  destination: string;
  /** Platform error code, e.g. "channel_not_found", 130101. */
  platformCode?: string;
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
export class DeliveryError extends RemoteError {
  readonly adapter: string;
  readonly destination: string;
  readonly platformCode: string | undefined;
  readonly maybeDone: boolean;
  readonly badPayload: boolean;
  constructor(message: string, init: DeliveryErrorInit, options?: ErrorOptions) {
    super(
      init.throttled ? "DELIVERY_THROTTLED" : init.retryable ? "DELIVERY_RETRYABLE" : "DELIVERY_PERMANENT",
      message,
      init,
      options,
    );
    this.name = "DeliveryError";
    this.adapter = init.adapter;
    this.destination = init.destination;
    this.platformCode = init.platformCode;
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
