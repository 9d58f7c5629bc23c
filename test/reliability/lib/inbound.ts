/**
 * Requests as each platform sends them to the bot's inbound endpoints, signed with the configured secrets (or
 * forged, or stale), and a snapshot of everything a request could have recorded: application keys in Redis and
 * side effects at the fakes.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { fixture } from "../../helpers/fixtures.js";
import { signV2, TEST_SIGNING_CERT } from "../../helpers/sign-eventbridge.js";
import { larkRequest, messageReceived } from "../../helpers/sign-lark.js";
import { blockAction, form, slackHeaders } from "../../helpers/sign-slack.js";
import { SECRETS, SLACK_CHANNEL } from "./common.js";

export interface Req {
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
}

export async function send(base: string, r: Req): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${r.path}`, { method: "POST", headers: r.headers, body: r.body });
  return { status: res.status, text: await res.text() };
}

/** Serves the EventBridge test signing certificate on 127.0.0.1 (an allowed loopback certificate URL). */
export async function certServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/x-pem-file" });
    res.end(TEST_SIGNING_CERT);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cert.pem`, server };
}

export const eventbridge = {
  token(body: unknown, token: string = SECRETS.ingestToken): Req {
    return {
      path: "/dataworks/events",
      headers: { "content-type": "application/json", "x-eventbridge-signature-token": token },
      body: JSON.stringify(body),
    };
  },
  /** v2 RSA signature by the test key (its certificate is served by certServer), plus the target's token. */
  signed(base: string, certUrl: string, body: unknown, o: { timestamp?: number; tamper?: boolean } = {}): Req {
    const raw = JSON.stringify(body);
    const headers = signV2({ url: `${base}/dataworks/events`, body: raw, certUrl, token: SECRETS.ingestToken, ...o });
    return {
      path: "/dataworks/events",
      headers: { "content-type": "application/json", ...headers },
      body: o.tamper ? raw.replace(/"id":"/, '"id":"x') : raw,
    };
  },
};

export const slack = {
  click(approvalId: string, ts: string, o: { secret?: string; tsSeconds?: number } = {}): Req {
    const body = form(
      blockAction({ actionId: "approval.approve", value: approvalId, userId: "U0ALICE", channel: SLACK_CHANNEL, ts }),
    );
    return { path: "/slack/events", headers: slackHeaders(o.secret ?? SECRETS.slackSigning, body, o.tsSeconds), body };
  },
};

export const slackCommand = {
  /** `/dataworks <text>` as Slack posts a slash command (form-encoded, signed). */
  of(text: string, o: { secret?: string; tsSeconds?: number } = {}): Req {
    const body = new URLSearchParams({
      token: "legacy",
      team_id: "T0FAKE",
      channel_id: SLACK_CHANNEL,
      user_id: "U0ALICE",
      user_name: "alice",
      command: "/dataworks",
      text,
      response_url: "http://127.0.0.1:9/unused",
      trigger_id: "trig-cmd",
      api_app_id: "A0FAKE",
    }).toString();
    return { path: "/slack/events", headers: slackHeaders(o.secret ?? SECRETS.slackSigning, body, o.tsSeconds), body };
  },
};

export const lark = {
  /** A user's "@bot <text>" in a chat: the bot runs it and replies in the thread. */
  command(messageId: string, chatId: string, o: { key?: string; timestamp?: number; text?: string } = {}): Req {
    const payload = messageReceived({
      token: SECRETS.larkVerificationToken,
      openId: "ou_reliability",
      chatId,
      messageId,
      text: `@_user_1 ${o.text ?? "help"}`,
      mentions: [{ key: "@_user_1", name: "bot", openId: "ou_bot" }],
    });
    const r = larkRequest(SECRETS.larkEncryptKey, payload, { signingKey: o.key, timestamp: o.timestamp });
    return { path: "/lark/events", headers: r.headers, body: r.body };
  },
};

export function anEvent(id: string): Record<string, unknown> {
  return { ...fixture("instance-status-changes"), id };
}

/** Everything a request could record: application keys in Redis (not BullMQ's, not the replay guard's). */
export async function recorded(
  redisUrl: string,
  prefix: string,
): Promise<{ keys: number; recentEvents: number; audit: number; queuedEvents: number }> {
  const r = new Redis(redisUrl);
  try {
    const keys = await r.keys(`${prefix}:*`);
    const app = keys.filter((k) => !/:(bull|events|deliveries|approvals|rl|seen):/.test(k.slice(prefix.length)));
    const count = async (k: string, type: "z" | "x" | "l") => {
      if (!(await r.exists(k))) return 0;
      return type === "z" ? r.zcard(k) : type === "x" ? r.xlen(k) : r.llen(k);
    };
    return {
      keys: app.length,
      recentEvents: await count(`${prefix}:recent:index`, "z"),
      audit: await count(`${prefix}:audit`, "x"),
      queuedEvents: keys.filter((k) => k.startsWith(`${prefix}:events:e.`)).length,
    };
  } finally {
    r.disconnect();
  }
}
