/**
 * 7. Forged, stale (> 5 min) and replayed requests on every inbound HTTP endpoint: /dataworks/events (the target's
 * token on one instance, EventBridge's RSA signature required on another), /slack/events and /lark/events. Forged
 * and stale ones must be refused and record nothing; a replay of a validly signed request inside its window must
 * record nothing new, on the same instance or on another one.
 */
import { randomUUID } from "node:crypto";
import { FakeDataWorks } from "../../fakes/dataworks-api.js";
import { FakeLark } from "../../fakes/lark-api.js";
import { FakeSlack } from "../../fakes/slack-api.js";
import { fixture } from "../../helpers/fixtures.js";
import { sleep, waitFor } from "../../helpers/wait.js";
import { approvalConfig, approvalIdOf, larkConfig } from "../lib/approvals.js";
import {
  baseConfig,
  type Figure,
  LARK_APP_ID,
  LARK_CHAT,
  type Scenario,
  SECRETS,
  SLACK_CHANNEL,
} from "../lib/common.js";
import {
  anEvent,
  certServer,
  eventbridge,
  lark as larkReq,
  type Req,
  recorded,
  send,
  slackCommand,
  slack as slackReq,
} from "../lib/inbound.js";
import { killAll, startBot, writeConfig } from "../lib/procs.js";
import { OPEN_LIMITS } from "./s5-same-event-twice.js";

const STALE_MS = 6 * 60_000;

export const forgedStaleReplayed: Scenario = {
  id: "7",
  title: "forged, stale and replayed requests on every inbound endpoint",
  async run(ctx) {
    const slack = new FakeSlack({ token: SECRETS.slackToken, channels: [SLACK_CHANNEL] });
    const lark = new FakeLark({ appId: LARK_APP_ID, appSecret: SECRETS.larkAppSecret, chats: [LARK_CHAT] });
    const dw = new FakeDataWorks({ keys: { [SECRETS.dwAccessKeyId]: SECRETS.dwAccessKeySecret } });
    await Promise.all([slack.start(), lark.start(), dw.start()]);
    const cert = await certServer();
    const common = {
      ...approvalConfig({ slackApiUrl: slack.apiUrl, dataworksEndpoint: dw.endpoint, timeout: "30m" }),
      lark: larkConfig(lark.fake.url),
      outbox: OPEN_LIMITS,
      log: { level: "debug" },
      // Commands that record something (a mute) make a replay's effect visible.
      commands: { roles: { mute: { users: { slack: ["U0ALICE"], lark: ["ou_reliability"] } } } },
    };
    // The Lark chat is a destination (commands are accepted in destinations' channels) without routes.
    const destinations = {
      ops: { platform: "slack", channel: SLACK_CHANNEL },
      larkops: { platform: "lark", chatId: LARK_CHAT },
    };
    const tokenCfg = writeConfig("s7-token", {
      ...baseConfig(ctx, common),
      destinations,
    });
    const base = baseConfig(ctx, common);
    base.destinations = destinations;
    const signedCfg = writeConfig("s7-signature", {
      ...base,
      ingest: {
        auth: {
          tokens: [SECRETS.ingestToken],
          signature: { enabled: true, required: true, certUrlPatterns: [`^${cert.url.replace(/[.]/g, "\\.")}$`] },
        },
      },
    });
    const a = await startBot("s7-token", "serve", tokenCfg);
    const b = await startBot("s7-signature", "serve-no-workers", signedCfg);
    const figures: Figure[] = [];
    try {
      await Promise.all([a.ready(), b.ready()]);
      const effects = async () => ({
        ...(await recorded(ctx.redisUrl, ctx.prefix)),
        slackMessages: slack.messages.length,
        slackEphemeral: slack.ephemeral.length,
        larkMessages: lark.messages.length,
        dataworksCalls: dw.calls.length,
      });
      const diff = (x: Record<string, number>, y: Record<string, number>) =>
        Object.keys(y)
          .filter((k) => x[k] !== y[k])
          .map((k) => `${k} ${x[k]}→${y[k]}`);
      /**
       * The effects once they have stopped changing for `quietMs` (at most 20 s): a request's later effects (its
       * message, the saved refs, a finished job) land after the first one, and must not be blamed on a replay.
       */
      const quiet = async (quietMs = 1500) => {
        let last = await effects();
        let since = Date.now();
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline && Date.now() - since < quietMs) {
          await sleep(250);
          const now = await effects();
          if (diff(last, now).length) {
            last = now;
            since = Date.now();
          }
        }
        return last;
      };
      const slackHas = (id: string) => slack.messages.some((m) => JSON.stringify(m.blocks).includes(id));

      /** Send the attacks; each must be refused (401) and, together, record nothing. */
      const refused = async (what: string, reqs: Array<[string, Req]>) => {
        // After the approval card, its own later effects may still be landing.
        const before = await quiet();
        const statuses: string[] = [];
        for (const [where, r] of reqs) statuses.push(String((await send(where, r)).status));
        await sleep(1500);
        const changed = diff(before, await effects());
        const ok = statuses.every((s) => s === "401") && changed.length === 0;
        figures.push({
          measure: `${what}: answers / recorded`,
          value: `${statuses.join(" ")} / ${changed.length ? changed.join(", ") : "nothing"}`,
          ok,
        });
      };
      /** A valid request, its effect awaited, then the identical bytes again (to each instance given). */
      const replayed = async (what: string, valid: [string, Req], again: string[], settled: () => Promise<unknown>) => {
        const first = await send(valid[0], valid[1]);
        await waitFor(settled, `${what}: the original's effect`, 20_000, 100);
        const before = await quiet();
        const statuses: string[] = [];
        for (const where of again) statuses.push(String((await send(where, valid[1])).status));
        await sleep(2000);
        const changed = diff(before, await effects());
        figures.push({
          measure: `${what} (original ${first.status}): replay answers / recorded`,
          value: `${statuses.join(" ")} / ${changed.length ? changed.join(", ") : "nothing new"}`,
          ok: changed.length === 0 && statuses.every((s) => Number(s) < 500),
        });
      };
      const now = Date.now();

      // /dataworks/events
      await refused("/dataworks/events forged (wrong token, no credentials, token without the required signature)", [
        [a.url, eventbridge.token(anEvent(randomUUID()), "rel-wrong-token")],
        [a.url, { ...eventbridge.token(anEvent(randomUUID())), headers: { "content-type": "application/json" } }],
        [b.url, eventbridge.token(anEvent(randomUUID()))],
        [b.url, eventbridge.signed(b.url, cert.url, anEvent(randomUUID()), { tamper: true })],
      ]);
      await refused("/dataworks/events stale (signed 6 min ago)", [
        [b.url, eventbridge.signed(b.url, cert.url, anEvent(randomUUID()), { timestamp: now - STALE_MS })],
      ]);
      const recent = () => recorded(ctx.redisUrl, ctx.prefix).then((r) => r.recentEvents);
      const recentBefore = (await recent()) ?? 0;
      const tokenId = randomUUID();
      await replayed(
        "/dataworks/events token request replayed ×3 (both instances)",
        [a.url, eventbridge.token(anEvent(tokenId))],
        [a.url, b.url, a.url],
        async () => (await recent()) > recentBefore && slackHas(tokenId),
      );
      const recent2 = (await recent()) ?? 0;
      const signedId = randomUUID();
      await replayed(
        "/dataworks/events signed request replayed ×3",
        [b.url, eventbridge.signed(b.url, cert.url, anEvent(signedId))],
        [b.url, b.url, b.url],
        async () => (await recent()) > recent2 && slackHas(signedId),
      );

      // An approval card to click.
      const ev = { ...fixture("commit-file"), id: randomUUID() };
      await send(a.url, eventbridge.token(ev));
      const card = await waitFor(() => slack.messages.find(approvalIdOf), "the approval card", 20_000);
      const approvalId = approvalIdOf(card) as string;
      const tsNow = Math.floor(Date.now() / 1000);

      // /slack/events
      await refused("/slack/events forged (signed with another secret)", [
        [a.url, slackReq.click(approvalId, card.ts, { secret: "rel-not-the-signing-secret" })],
      ]);
      await refused("/slack/events stale (signed 6 min ago)", [
        [a.url, slackReq.click(approvalId, card.ts, { tsSeconds: tsNow - STALE_MS / 1000 })],
      ]);
      await replayed(
        "/slack/events click replayed (both instances)",
        [a.url, slackReq.click(approvalId, card.ts)],
        [a.url, b.url],
        async () => dw.decisions.get(String(ev.id)) && slack.ephemeral.length > 0,
      );

      await replayed(
        "/slack/events slash command (mute) replayed (both instances)",
        [a.url, slackCommand.of("mute type=instance-status-changes for 1h replay test")],
        [a.url, b.url],
        async () => (await recorded(ctx.redisUrl, ctx.prefix)).keys > 0,
      );

      // /lark/events
      const msgId = () => {
        const id = `om_rel_${randomUUID().slice(0, 8)}`;
        lark.userMessages.set(id, LARK_CHAT);
        return id;
      };
      await refused("/lark/events forged (signed with another key)", [
        [a.url, larkReq.command(msgId(), LARK_CHAT, { key: "rel-not-the-encrypt-key" })],
      ]);
      await refused("/lark/events stale (signed 6 min ago)", [
        [a.url, larkReq.command(msgId(), LARK_CHAT, { timestamp: Math.floor((Date.now() - STALE_MS) / 1000) })],
      ]);
      const larkBefore = lark.messages.length;
      await replayed(
        "/lark/events command (mute) replayed (both instances)",
        [a.url, larkReq.command(msgId(), LARK_CHAT, { text: "mute type=dag-status-changes for 1h replay test" })],
        [a.url, b.url],
        async () => lark.messages.length > larkBefore,
      );
      figures.push({
        measure: "DingTalk Stream frames",
        value:
          "not an inbound endpoint: frames arrive on the WebSocket the bot opens with its own credentials; a re-pushed frame (same messageId) is answered once (test/integration/approvals-dingtalk.test.ts)",
      });
      return figures;
    } finally {
      await killAll([a, b]);
      await Promise.all([slack.stop(), lark.stop(), dw.stop()]);
      cert.server.close();
    }
  },
};
