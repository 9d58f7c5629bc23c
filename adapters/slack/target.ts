import type { Target } from "../../src/core/chat-adapter.js";

/** A `platform: slack` destination as configured: a channel the bot posts to. */
export interface SlackDestination {
  channel: string;
}

export function slackTarget(name: string, d: SlackDestination): Target {
  return { destination: name, address: d.channel };
}
