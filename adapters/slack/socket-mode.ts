import { App, type Logger, LogLevel, SocketModeReceiver, webApi } from "@slack/bolt";
import type { InteractionHandlers } from "../../src/core/chat-adapter.js";
import { registerSlackListeners } from "./listeners.js";

export interface SlackSocketModeOptions {
  token: string;
  /** App-level token (xapp-…) with connections:write: it opens the connection, the bot token does the rest. */
  appToken: string;
  /** Web API base (apps.connections.open goes there too, through the client's slackApiUrl). */
  apiUrl: string;
  timeoutMs: number;
  command?: string;
  /** Failures Slack never sees (connects, listeners that threw after ack); never carries a token. */
  onError?: (err: unknown, what: string) => void;
  /** Delay after a failed connect, doubling with jitter up to the cap. Default 1 s → 60 s. */
  backoff?: { initialMs: number; maxMs: number };
  /**
   * A connection that stayed up this long reconnects at once when it ends: Slack refreshes connections every few
   * hours with a `disconnect` message (docs.slack.dev "Using Socket Mode"). Shorter ones count as a failure.
   */
  stableMs?: number;
  /** Give up on an attempt that got no `hello` within this time. Default 15 s. */
  helloTimeoutMs?: number;
  /** The client's own pong deadline (SocketModeClient clientPingTimeout). Default 5 s. */
  clientPingTimeoutMs?: number;
  random?: () => number;
}

/**
 * apps.connections.open answers that retrying will not fix: the SDK's UnrecoverableSocketModeStartError list, plus a
 * bot token where the app-level token belongs and an app token without connections:write.
 */
const FATAL = new Set([
  "not_authed",
  "invalid_auth",
  "account_inactive",
  "user_removed_from_team",
  "team_disabled",
  "not_allowed_token_type",
  "token_revoked",
  "missing_scope",
]);

/**
 * The SDK logs whole envelopes at debug and its own errors as console lines; we report through onError instead, so
 * the client gets a logger that says nothing.
 */
const quiet: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

/**
 * Slack Socket Mode: Bolt's SocketModeReceiver (apps.connections.open with the app token → wss URL → `hello`;
 * envelopes acked with `{envelope_id, payload}`) feeding the same listeners as POST /slack/events.
 *
 * Reconnecting is ours, not the SDK's (autoReconnectEnabled: false): its loop retries a failed open up to 100
 * times per attempt, waits clientPingTimeout × failures even after a routine refresh, and a failed reconnect
 * rejects a promise nobody handles (SocketModeClient.delayReconnectAttempt). Here one loop owns the connection:
 * refresh → reconnect at once; failure → doubling delay with jitter (or Retry-After); bad token → stop and say so.
 */
export function createSlackSocketMode(o: SlackSocketModeOptions) {
  const backoff = o.backoff ?? { initialMs: 1_000, maxMs: 60_000 };
  const stableMs = o.stableMs ?? 10_000;
  const helloTimeoutMs = o.helloTimeoutMs ?? 15_000;
  const random = o.random ?? Math.random;
  const receiver = new SocketModeReceiver({
    appToken: o.appToken,
    logger: quiet,
    autoReconnectEnabled: false,
    clientPingTimeout: o.clientPingTimeoutMs,
    // Forwarded to the SocketModeClient's WebClient: redirects apps.connections.open to apiUrl (proxies, fakes).
    // One try per attempt; the loop below does the waiting.
    installerOptions: {
      clientOptions: {
        slackApiUrl: `${o.apiUrl}/`,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
        timeout: o.timeoutMs,
      },
    },
    // A listener that threw (views.open, postEphemeral failing): report it and ack, so Slack does not redeliver.
    processEventErrorHandler: async ({ error }) => {
      o.onError?.(error, "Slack Socket Mode: a listener failed");
      return true;
    },
  });
  const app = new App({
    // A fixed bot token through authorize(): with `token`, Bolt would call auth.test on every incoming request.
    authorize: async () => ({ botToken: o.token }),
    receiver,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: `${o.apiUrl}/`, retryConfig: { retries: 0 }, timeout: o.timeoutMs },
  });
  let handlers: Partial<InteractionHandlers> = {};
  registerSlackListeners(app, { command: o.command, handlers: () => handlers });

  const client = receiver.client;
  let lastSocketError: unknown;
  client.on("error", (err: unknown) => {
    lastSocketError = err;
  });

  let closed = false;
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  const stats = { connects: 0, failures: 0 };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  /** Resolves on `hello`; rejects when the open or the socket fails, or no hello comes in time. */
  async function connectOnce(): Promise<void> {
    lastSocketError = undefined;
    let timer: NodeJS.Timeout | undefined;
    let stuck: Promise<void> | undefined;
    const started = client.start();
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        // Let the stuck socket finish closing first (bounded): its late close event would otherwise look like the
        // end of the next connection.
        stuck = Promise.race([client.disconnect(), pauseFor(2_000)]);
        resolve();
      }, helloTimeoutMs);
    });
    try {
      await Promise.race([started, timeout]);
    } catch (err) {
      if (!stuck) throw err ?? lastSocketError ?? new Error("the Socket Mode connection closed before hello");
    } finally {
      clearTimeout(timer);
    }
    if (stuck) {
      started.catch(() => undefined);
      await stuck;
      throw new Error(`no hello from Slack within ${helloTimeoutMs} ms`);
    }
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!closed) {
      let wait = 0;
      try {
        await connectOnce();
        if (closed) break;
        stats.connects++;
        const up = Date.now();
        await new Promise<void>((r) => client.once("disconnected", () => r()));
        if (closed) break;
        if (Date.now() - up >= stableMs) failures = 0;
        else failures++;
        if (failures) wait = delay(failures);
      } catch (err) {
        if (closed) break;
        const code = platformCode(err);
        if (code && FATAL.has(code)) {
          o.onError?.(
            err,
            `Slack Socket Mode: apps.connections.open refused the app token (${code}); check slack.appToken (xapp-… with connections:write). Not retrying.`,
          );
          return;
        }
        failures++;
        stats.failures++;
        const retryAfterMs = err instanceof webApi.WebAPIRateLimitedError ? err.retryAfter * 1000 : 0;
        wait = Math.max(delay(failures), retryAfterMs);
        o.onError?.(err, `Slack Socket Mode: connect failed; retrying in ${Math.round(wait)} ms`);
      }
      if (wait && !closed) await pause(wait);
    }
    // A connect that finished after close() was called leaves a socket open: close it too.
    await client.disconnect();
  }

  function delay(failures: number): number {
    const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1));
    return base / 2 + (random() * base) / 2;
  }

  return {
    stats,
    setHandlers(h: InteractionHandlers) {
      handlers = h;
    },
    /** Connects in the background: a Slack outage must not stop the bot from starting. */
    start(): void {
      closed = false;
      running ??= run().catch((err) => o.onError?.(err, "Slack Socket Mode stopped"));
    },
    async close(): Promise<void> {
      closed = true;
      wake?.();
      await client.disconnect();
      await running;
      running = undefined;
    },
  };
}

const pauseFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

function platformCode(err: unknown): string | undefined {
  if (err instanceof webApi.WebAPIPlatformError) return err.data.error;
  return undefined;
}
