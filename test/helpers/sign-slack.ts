import { createHmac } from "node:crypto";

/** Signs like Slack does (v0 HMAC-SHA256 over "v0:ts:body"), independently of the adapter's code. */
export function slackHeaders(
  secret: string,
  body: string,
  tsSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const sig = `v0=${createHmac("sha256", secret).update(`v0:${tsSeconds}:${body}`).digest("hex")}`;
  return {
    "x-slack-request-timestamp": String(tsSeconds),
    "x-slack-signature": sig,
    "content-type": "application/x-www-form-urlencoded",
  };
}

/** A block_actions payload for a button click, shaped like Slack's. */
export function blockAction(o: {
  actionId: string;
  value: string;
  userId: string;
  userName?: string;
  channel: string;
  ts: string;
}) {
  return {
    type: "block_actions",
    user: {
      id: o.userId,
      username: o.userName ?? o.userId.toLowerCase(),
      name: o.userName ?? o.userId.toLowerCase(),
      team_id: "T0FAKE",
    },
    api_app_id: "A0FAKE",
    token: "legacy-verification-token",
    container: { type: "message", message_ts: o.ts, channel_id: o.channel, is_ephemeral: false },
    trigger_id: `trig-${Math.random().toString(36).slice(2)}`,
    team: { id: "T0FAKE", domain: "fake" },
    channel: { id: o.channel, name: "approvals" },
    message: { type: "message", ts: o.ts, text: "approval" },
    response_url: "http://127.0.0.1:9/unused",
    actions: [
      { action_id: o.actionId, block_id: "b1", value: o.value, type: "button", action_ts: String(Date.now() / 1000) },
    ],
  };
}

/** A view_submission payload for the block-reason modal. */
export function viewSubmission(o: { userId: string; privateMetadata: string; reason: string }) {
  return {
    type: "view_submission",
    team: { id: "T0FAKE", domain: "fake" },
    user: { id: o.userId, username: o.userId.toLowerCase(), name: o.userId.toLowerCase(), team_id: "T0FAKE" },
    api_app_id: "A0FAKE",
    token: "legacy-verification-token",
    trigger_id: "trig-view",
    view: {
      id: "V1",
      type: "modal",
      callback_id: "approval.block.reason",
      private_metadata: o.privateMetadata,
      state: { values: { reason: { reason: { type: "plain_text_input", value: o.reason } } } },
      hash: "h",
    },
  };
}

export function form(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}
