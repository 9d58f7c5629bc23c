/** Approval scenarios: a bot config with an approval route to Slack, DataWorks credentials, and signed clicks. */
import { Redis } from "ioredis";
import type { SlackMessage } from "../../fakes/slack-api.js";
import { blockAction, form, slackHeaders } from "../../helpers/sign-slack.js";
import { LARK_APP_ID, SECRETS, SLACK_CHANNEL } from "./common.js";

export const APPROVERS = ["U0ALICE", "U0CAROL"];

export function approvalConfig(o: {
  slackApiUrl: string;
  dataworksEndpoint: string;
  timeout: string;
  deliveryBackoff?: string;
  deliveryAttempts?: number;
}): Record<string, unknown> {
  return {
    slack: { token: SECRETS.slackToken, signingSecret: SECRETS.slackSigning, apiUrl: o.slackApiUrl },
    dataworks: {
      endpoint: o.dataworksEndpoint,
      protocol: "http",
      accessKeyId: SECRETS.dwAccessKeyId,
      accessKeySecret: SECRETS.dwAccessKeySecret,
      extensionCode: "ext-reliability-01",
      // Roomy: the scenarios count DataWorks calls exactly, and a call timed out on a loaded machine is retried.
      timeout: "10s",
    },
    destinations: { ops: { platform: "slack", channel: SLACK_CHANNEL } },
    routes: [{ name: "all", destinations: ["ops"] }],
    approvals: {
      deliveryBackoff: o.deliveryBackoff ?? "200ms",
      deliveryAttempts: o.deliveryAttempts ?? 30,
      routes: [{ name: "prod", destinations: ["ops"], approvers: { users: { slack: APPROVERS } }, timeout: o.timeout }],
    },
  };
}

/** The `lark:` section for a bot whose Lark app is the fake at `domain` (HTTP callbacks, signed and encrypted). */
export function larkConfig(domain: string): Record<string, unknown> {
  return {
    appId: LARK_APP_ID,
    appSecret: SECRETS.larkAppSecret,
    domain,
    encryptKey: SECRETS.larkEncryptKey,
    verificationToken: SECRETS.larkVerificationToken,
  };
}

/** The approval id on a card: the value of its Approve button. */
export function approvalIdOf(m: SlackMessage): string | undefined {
  return /"action_id":"approval\.approve"[^}]*?"value":"([\w-]+)"|"value":"([\w-]+)"[^}]*?"action_id":"approval\.approve"/
    .exec(JSON.stringify(m.blocks))
    ?.slice(1)
    .find(Boolean);
}

/** A signed Slack button click, as Slack posts it to /slack/events. */
export function click(botUrl: string, approvalId: string, userId: string, ts: string, action = "approval.approve") {
  const body = form(blockAction({ actionId: action, value: approvalId, userId, channel: SLACK_CHANNEL, ts }));
  return fetch(`${botUrl}/slack/events`, { method: "POST", headers: slackHeaders(SECRETS.slackSigning, body), body });
}

/** Approvals and their audit straight from Redis (what survives any process). */
export async function approvalState(redisUrl: string, prefix: string) {
  const r = new Redis(redisUrl);
  try {
    const keys = await r.keys(`${prefix}:approval:*`);
    const states = await Promise.all(
      keys.map(async (k) => {
        const h = await r.hgetall(k);
        return {
          id: k.slice(`${prefix}:approval:`.length),
          state: h.state,
          dataworks: h.dataworks ? (JSON.parse(h.dataworks) as { status: string }) : undefined,
          decision: h.decision ? (JSON.parse(h.decision) as { by: { kind: string }; at: number }) : undefined,
          deadline: h.approval ? (JSON.parse(h.approval) as { deadline: number }).deadline : 0,
          eventId: h.approval ? (JSON.parse(h.approval) as { event: { id: string } }).event.id : "",
        };
      }),
    );
    const audit = await r.xrange(`${prefix}:audit`, "-", "+");
    const decisionsAudited = new Map<string, number>();
    for (const [, f] of audit) {
      const o: Record<string, string> = {};
      for (let i = 0; i < f.length; i += 2) o[f[i] as string] = f[i + 1] as string;
      if (o.kind === "decision")
        decisionsAudited.set(o.approvalId ?? "", (decisionsAudited.get(o.approvalId ?? "") ?? 0) + 1);
    }
    return { approvals: states, decisionsAudited };
  } finally {
    r.disconnect();
  }
}
