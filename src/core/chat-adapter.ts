import type { Message } from "./message.js";

/**
 * Where a message goes on a platform: a Slack channel, a Lark chat, a DingTalk robot or conversation. Each adapter
 * builds its own targets from its typed destination config (adapters/<platform>/target.ts) and may extend this
 * with what it alone needs (a custom bot's webhook): the core passes targets through without reading them.
 */
export interface Target {
  /** Destination name from the config (used in logs and job ids). */
  destination: string;
  /**
   * The platform address: Slack channel id, Lark chat_id, DingTalk openConversationId, or for a webhook-only robot
   * its hookAddress() (never its credential). Destinations with the same address share one rate limit.
   */
  address: string;
}

/** JSON-serialisable reference to a sent message, kept in Redis for later updates. */
export interface MessageRef {
  adapter: string;
  destination: string;
  /** Platform ids needed to edit the message (Slack channel+ts, Lark message_id, DingTalk outTrackId). */
  ids: Readonly<Record<string, string>>;
}

export interface RawRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  rawBody: Buffer;
}

export interface RawResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ActionEvent {
  /** Platform callback id; becomes the BullMQ job id so platform retries are deduplicated. */
  id: string;
  adapter: string;
  actionId: string;
  value?: string;
  /** Free text entered with the action (e.g. a block reason). */
  input?: string;
  user: { id: string; name?: string };
  message?: MessageRef;
}

/** What the core answers to an action; the adapter shows it to the clicker (ephemeral message, toast). */
export interface ActionReply {
  ok: boolean;
  text: string;
  /** The action needs free text first (e.g. a reason to block): the adapter asks for it and sends it again. */
  needsInput?: { title: string; label: string; choices?: readonly string[] };
}

export type OnAction = (action: ActionEvent) => Promise<ActionReply>;

/** A text command typed in chat (`/dataworks recent`, "@bot pending"), already stripped of the mention. */
export interface CommandEvent {
  adapter: string;
  /** The command line without the command word / bot mention, e.g. "recent 5 status=failed". */
  text: string;
  user: { id: string; name?: string };
  /** Where it was typed (Slack channel id, Lark chat_id, DingTalk conversationId). */
  channel?: string;
  /** The destination name configured for that channel, when there is one. */
  destination?: string;
}

/** The answer to a command: a neutral message each adapter renders natively, shown only to the asker unless shared. */
export interface CommandReply {
  message: Message;
  /** Post it for everyone in the channel (Slack in_channel) instead of only the asker. */
  share?: boolean;
  /**
   * A line, in the answer's language, for an adapter to add when the platform could not show the answer to the
   * asker alone and it posts it for the chat instead (a refused Lark ephemeral card or DingTalk one-to-one send).
   */
  notPrivate?: string;
}

export type OnCommand = (command: CommandEvent) => Promise<CommandReply>;

/** What the core gives an adapter's interactivity: clicks and commands. */
export interface InteractionHandlers {
  onAction: OnAction;
  onCommand?: OnCommand;
}

/**
 * Remembers `key` for ttlMs across every bot instance (Redis SET NX); true only the first time. Adapters use it to
 * refuse a replayed signed request (same signature) and a platform's re-push of an event on another instance.
 */
export type FirstSeen = (key: string, ttlMs: number) => Promise<boolean>;

/** An HTTP endpoint an adapter serves on the bot's server (Slack interactivity, Lark card callbacks). */
export interface AdapterRoute {
  method: "POST";
  path: string;
  handle(req: RawRequest): Promise<RawResponse>;
}

export interface SendOptions {
  signal?: AbortSignal;
  /**
   * An earlier attempt of this same send failed with `maybeDone` at this time (ms): the message may exist.
   * An adapter that can find it (Slack: message metadata in the channel's history) returns it instead of
   * posting twice; one whose platform dedupes retries itself (Lark uuid) can ignore it.
   */
  mayExistSince?: number;
  /**
   * Post as a reply under this earlier message where the platform threads replies (Slack: thread_ts); an adapter
   * without threads, or given another platform's or channel's message, posts as usual.
   */
  inThreadOf?: MessageRef;
}

/**
 * THE interface every chat platform implements. Adapters depend on src/core only; the core never
 * imports an adapter except in src/adapters.ts (the composition root for adapters).
 */
export interface ChatAdapter<Native = unknown, T extends Target = Target> {
  /** Stable key: "slack" | "lark" | "dingtalk" | "console". */
  readonly name: string;
  /** Pure: neutral Message → platform payload. No I/O, no env, no clock. */
  render(message: Message): Native;
  /** Deliver a rendered payload. Throws DeliveryError; never puts secrets in errors. */
  send(target: T, payload: Native, opts?: SendOptions): Promise<MessageRef>;
  /** Replace a sent message in place. */
  update?(ref: MessageRef, payload: Native, opts?: { signal?: AbortSignal }): Promise<void>;
  /**
   * Post one short plain line under a sent message, where the platform keeps such lines with it (Slack: a thread
   * reply). Throws DeliveryError. Absent: the platform has no such place.
   */
  reply?(ref: MessageRef, text: string): Promise<void>;
  /**
   * Interactivity: the adapter delivers verified clicks/commands to onAction, over HTTP routes it serves
   * (see routes) or over a socket it opens here (Slack Socket Mode, Lark long connection, DingTalk Stream).
   */
  listen?(handlers: InteractionHandlers): Promise<{ close(): Promise<void> }>;
  /** HTTP endpoints to mount on the bot's server; they verify the raw request themselves. */
  routes?(): readonly AdapterRoute[];
  /**
   * A user's display name (Slack users.info, Lark contact API, DingTalk user API), so cards and the message returned
   * to DataWorks name people rather than ids. Undefined when the platform knows none; throws when the lookup fails
   * (a missing scope or permission, a user outside the app's contact range): the core then shows the id.
   */
  userName?(userId: string, opts?: { signal?: AbortSignal }): Promise<string | undefined>;
  /** Release sockets and timers. */
  close?(): Promise<void>;
}
