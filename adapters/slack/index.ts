import * as webApi from "@slack/web-api";
import type {
  AdapterRoute,
  ChatAdapter,
  FirstSeen,
  MessageRef,
  InteractionHandlers,
  SendOptions,
  Target,
} from "../../src/core/chat-adapter.js";
import type { Message } from "../../src/core/message.js";
import { messageIds, toDeliveryError } from "./api.js";
import { slackFetch } from "./fetch.js";
import { slackJsonCall } from "./json-call.js";
import { findPost, postKey, postMetadata } from "./post-once.js";
import { renderSlack, type SlackPayload } from "./render.js";
import type { SlackSocketModeOptions } from "./socket-mode.js";

export interface SlackAdapterConfig {
  token: string;
  /** With a signing secret the adapter serves POST /slack/events (buttons, modals, commands). */
  signingSecret?: string;
  /** Socket Mode instead of POST /slack/events: clicks and commands over a WebSocket opened with appToken. */
  socketMode?: boolean;
  /** App-level token (xapp-…, connections:write) for Socket Mode. */
  appToken?: string;
  apiUrl: string;
  timeoutMs: number;
  /** Look for a post whose answer was lost before posting it again (needs channels:history): post-once.ts. */
  recoverLostPosts?: boolean;
  /** Replay guard across instances: a signed request is handled once. */
  firstSeen?: FirstSeen;
  /** Slash command name (commands.slashCommand). */
  command?: string;
  now?: () => number;
  /** Failures no platform request is waiting for (Socket Mode connects, listeners that failed after the ack). */
  onError?: (err: unknown, what: string) => void;
  /** Socket Mode reconnect timings (tests shorten them). */
  socket?: Pick<SlackSocketModeOptions, "backoff" | "stableMs" | "helloTimeoutMs" | "clientPingTimeoutMs">;
}

/**
 * How clicks and commands arrive: Socket Mode when configured (no public URL; no route is served, so nothing
 * unsigned can reach the listeners), else POST /slack/events when a signing secret is set, else not at all.
 * Bolt (its App, receivers and their dependencies: ~8 MiB of heap) is imported only then, when first needed: a bot
 * that only posts never loads it.
 */
function interactivity(config: SlackAdapterConfig): Pick<ChatAdapter<SlackPayload>, "listen" | "routes"> {
  const { socketMode, appToken, signingSecret } = config;
  if (socketMode && appToken) {
    return {
      async listen(handlers: InteractionHandlers) {
        const { createSlackSocketMode } = await import("./socket-mode.js");
        const socket = createSlackSocketMode({
          token: config.token,
          appToken,
          apiUrl: config.apiUrl,
          timeoutMs: config.timeoutMs,
          command: config.command,
          onError: config.onError,
          ...config.socket,
        });
        socket.setHandlers(handlers);
        socket.start();
        return { close: () => socket.close() };
      },
    };
  }
  if (!signingSecret) return {};
  let interactive: Promise<ReturnType<typeof import("./interactive.js").createSlackInteractive>> | undefined;
  const ready = () =>
    (interactive ??= import("./interactive.js").then(({ createSlackInteractive }) =>
      createSlackInteractive({
        token: config.token,
        signingSecret,
        apiUrl: config.apiUrl,
        command: config.command,
        now: config.now,
        firstSeen: config.firstSeen,
      }),
    ));
  return {
    async listen(handlers: InteractionHandlers) {
      const i = await ready();
      i.setHandler(handlers.onAction);
      i.setCommandHandler(handlers.onCommand);
      return { close: async () => undefined };
    },
    routes: (): AdapterRoute[] => [
      { method: "POST", path: "/slack/events", handle: async (req) => (await ready()).handle(req) },
    ],
  };
}

/** Slack through Bolt's Web API client. Retries are ours (BullMQ), so the client's own are off. */
export function createSlackAdapter(config: SlackAdapterConfig): ChatAdapter<SlackPayload> {
  const client = new webApi.WebClient(config.token, {
    slackApiUrl: `${config.apiUrl}/`,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: config.timeoutMs,
    logLevel: webApi.LogLevel.ERROR,
    fetch: slackFetch,
  });
  /**
   * chat.postMessage and chat.update, the sends of every delivery and card edit, as JSON bodies without the
   * WebClient (json-call.ts): its queue, retry wrapper, form encoding and `redact()` copies were about a third of
   * the client's CPU per post and half its scavenges (`npm run bench:slack-client`; bot CPU per delivered event:
   * docs/benchmarks.md). They fail with the WebClient's error classes, read by toDeliveryError as before; every other
   * method stays on the WebClient. Its logger (private in the typings, a plain property) gets Slack's warnings, as
   * for the WebClient's own calls. No request queue: the workers' concurrency (16 by default) bounds the sends, below
   * the WebClient's 100.
   */
  const call = {
    apiUrl: config.apiUrl,
    token: config.token,
    timeoutMs: config.timeoutMs,
    logger: (client as unknown as { logger: webApi.Logger }).logger,
  };
  const post = async (method: "chat.postMessage" | "chat.update", args: Record<string, unknown>) =>
    (await slackJsonCall(call, method, args)) as webApi.ChatPostMessageResponse;
  const refTo = (target: Target, channel: unknown, ts: unknown): MessageRef => ({
    adapter: "slack",
    destination: target.destination,
    ids: { channel: String(channel ?? target.address), ts: String(ts ?? "") },
  });
  return {
    name: "slack",
    ...interactivity(config),
    render: (m: Message) => renderSlack(m),
    async send(target: Target, payload: SlackPayload, opts?: SendOptions): Promise<MessageRef> {
      const key = config.recoverLostPosts ? postKey(target.address, payload.text, payload.blocks) : undefined;
      if (key && opts?.mayExistSince !== undefined) {
        try {
          const ts = await findPost(client, target.address, key, opts.mayExistSince);
          if (ts) return refTo(target, target.address, ts);
        } catch (err) {
          // Without the history scope (or with Slack failing) the retry posts as it would without the option.
          config.onError?.(toDeliveryError(err, target.destination, "conversations.history"), "finding a lost post");
        }
      }
      try {
        // A reply names its parent's ts (docs.slack.dev/reference/methods/chat.postMessage, thread_ts).
        const parent = opts?.inThreadOf;
        const thread =
          parent?.adapter === "slack" && parent.ids.channel === target.address && parent.ids.ts
            ? { thread_ts: parent.ids.ts }
            : {};
        const res = await post("chat.postMessage", {
          channel: target.address,
          text: payload.text,
          blocks: payload.blocks,
          unfurl_links: false,
          ...thread,
          ...(key ? { metadata: postMetadata(key) } : {}),
        });
        return refTo(target, res.channel, res.ts);
      } catch (err) {
        throw toDeliveryError(err, target.destination, "chat.postMessage");
      }
    },
    /**
     * users.info (scope users:read): the display name the user chose, else their full name, else the legacy
     * handle (docs.slack.dev/reference/methods/users.info: profile fields may be absent or "").
     */
    async userName(userId: string): Promise<string | undefined> {
      try {
        const res = await client.users.info({ user: userId });
        const u = res.user;
        return [u?.profile?.display_name, u?.profile?.real_name, u?.real_name, u?.name].find((n) => n?.trim())?.trim();
      } catch (err) {
        throw toDeliveryError(err, "(user lookup)", "users.info");
      }
    },
    /** A thread reply: chat.postMessage with thread_ts = the message's own ts (docs.slack.dev/reference/methods/chat.postMessage). */
    async reply(ref: MessageRef, text: string): Promise<void> {
      const { channel, ts } = messageIds(ref, "chat.postMessage");
      try {
        await post("chat.postMessage", { channel, thread_ts: ts, text, unfurl_links: false });
      } catch (err) {
        throw toDeliveryError(err, ref.destination, "chat.postMessage");
      }
    },
    async update(ref: MessageRef, payload: SlackPayload): Promise<void> {
      const { channel, ts } = messageIds(ref, "chat.update");
      try {
        await post("chat.update", {
          channel,
          ts,
          text: payload.text,
          blocks: payload.blocks,
        });
      } catch (err) {
        throw toDeliveryError(err, ref.destination, "chat.update");
      }
    },
  };
}
