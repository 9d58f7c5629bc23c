import { App, LogLevel, type Receiver, type ReceiverEvent } from "@slack/bolt";
import type { FirstSeen, OnAction, OnCommand, RawRequest, RawResponse } from "../../src/core/chat-adapter.js";
import { registerSlackListeners } from "./listeners.js";
import { slackShape } from "./payload-shape.js";
import { verifySlackRequest } from "./verify.js";

export { slackText } from "./listeners.js";

export interface SlackInteractiveConfig {
  token: string;
  signingSecret: string;
  apiUrl: string;
  /** The slash command as created in the Slack app (default "/dataworks"). */
  command?: string;
  now?: () => number;
  /** Replay guard across instances (Redis); without it a captured request could be replayed for 5 minutes. */
  firstSeen?: FirstSeen;
}

const ACK_TIMEOUT_MS = 2_500;
/** A signature stays acceptable while its timestamp is within 5 minutes either way: remember it for 10. */
const REPLAY_TTL_MS = 10 * 60_000;

/** Bolt's App behind our own HTTP server: we verify the raw request, Bolt dispatches to the listeners. */
class RawReceiver implements Receiver {
  private app?: App;
  init(app: App) {
    this.app = app;
  }
  async start() {}
  async stop() {}

  /** Feed one verified, parsed request to Bolt; resolve with what the listener acked (≤ 2.5 s). */
  async dispatch(body: Record<string, unknown>): Promise<RawResponse> {
    const app = this.app;
    if (!app) return { status: 500, body: { error: "not started" } };
    let settle!: (r: RawResponse) => void;
    const acked = new Promise<RawResponse>((r) => {
      settle = r;
    });
    let done = false;
    const timer = setTimeout(() => settle({ status: 200, body: "" }), ACK_TIMEOUT_MS);
    const event: ReceiverEvent = {
      body,
      ack: async (response?: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        settle({ status: 200, body: response === undefined ? "" : response });
      },
    };
    app.processEvent(event).catch(() => {
      if (!done) {
        clearTimeout(timer);
        settle({ status: 500, body: { error: "handler failed" } });
      }
    });
    return acked;
  }
}

/**
 * Slack interactivity at POST /slack/events: Approve/Block buttons, the Block reason modal, the slash command
 * (listeners in listeners.ts, shared with Socket Mode). Clicks become ActionEvents for the core; its reply is
 * shown to the clicker as an ephemeral message.
 */
export function createSlackInteractive(config: SlackInteractiveConfig) {
  const receiver = new RawReceiver();
  const app = new App({
    // A fixed bot token through authorize(): with `token`, Bolt would call auth.test on every incoming request.
    authorize: async () => ({ botToken: config.token }),
    receiver,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: `${config.apiUrl}/`, retryConfig: { retries: 0 } },
  });
  let onAction: OnAction | undefined;
  let onCommand: OnCommand | undefined;
  registerSlackListeners(app, { command: config.command, handlers: () => ({ onAction, onCommand }) });

  return {
    setHandler(h: OnAction) {
      onAction = h;
    },
    setCommandHandler(h: OnCommand | undefined) {
      onCommand = h;
    },
    async handle(req: RawRequest): Promise<RawResponse> {
      const verified = verifySlackRequest(req, config.signingSecret, (config.now ?? Date.now)());
      if (!verified.ok) return { status: 401, body: { error: "unauthorized", message: verified.reason } };
      // The same signed bytes again (a captured request replayed, here or on another instance) do nothing: the
      // signature covers timestamp and body, so only a replay repeats it. Answered like an ack, as a retry would be.
      const sig = String(req.headers["x-slack-signature"] ?? "");
      if (config.firstSeen && !(await config.firstSeen(`slack:${sig}`, REPLAY_TTL_MS)))
        return { status: 200, body: "" };
      const raw = req.rawBody.toString("utf8");
      let parsed: unknown;
      try {
        const type = String(req.headers["content-type"] ?? "");
        if (type.includes("application/json")) parsed = JSON.parse(raw);
        else {
          const form = Object.fromEntries(new URLSearchParams(raw));
          parsed = typeof form.payload === "string" ? JSON.parse(form.payload) : form;
        }
      } catch {
        parsed = undefined;
      }
      // Signed JSON that is not an object (null, a number, an array) is not a Slack payload either.
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        return { status: 400, body: { error: "bad_request", message: "body is not a Slack payload" } };
      const body = parsed as Record<string, unknown>;
      if (body.ssl_check === "1") return { status: 200, body: "" };
      if (body.type === "url_verification") return { status: 200, body: { challenge: body.challenge } };
      const shape = slackShape(body);
      if (shape === "ignore") return { status: 200, body: "" };
      if (shape === "malformed")
        return { status: 400, body: { error: "bad_request", message: "malformed Slack payload" } };
      return receiver.dispatch(body);
    },
  };
}
