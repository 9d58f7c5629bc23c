/**
 * 4. Chat APIs answering 429 storms and timeouts: no message lost, the configured per-destination limits never
 * exceeded at the platform. Slack and Lark each sit behind a fault proxy that, for the first STORM_S seconds,
 * answers 30 % of message posts with the platform's 429 and lets 10 % through but holds the answer past the
 * client's timeout (the message exists; the bot never heard).
 */
import { writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { FakeLark } from "../../fakes/lark-api.js";
import { FakeSlack } from "../../fakes/slack-api.js";
import { sleep, waitFor } from "../../helpers/wait.js";
import {
  baseConfig,
  failedInstance,
  LARK_APP_ID,
  LARK_CHAT,
  maxInWindow,
  pooled,
  type Scenario,
  SECRETS,
  SLACK_CHANNEL,
  Sender,
  seconds,
  taskIdOf,
} from "../lib/common.js";
import { type Fault, FaultProxy } from "../lib/fault-proxy.js";
import { killAll, LOG_DIR, startBot, writeConfig } from "../lib/procs.js";

const EVENTS = 150;
const STORM_S = 15;
const SLACK_LIMIT = 5;
const LARK_LIMIT = 5;
/** The bots' Slack and Lark client timeout: ordinary posts on a loaded machine answer well within it. */
const CLIENT_TIMEOUT_MS = 3000;
/** How long the proxy holds the answers it holds: past the client timeout, so the bot never hears. */
const HOLD_MS = 4000;

export const chatStorms: Scenario = {
  id: "4",
  title: "chat APIs: 429 storms and timeouts (Slack, Lark)",
  async run(ctx) {
    const slack = new FakeSlack({ token: SECRETS.slackToken, channels: [SLACK_CHANNEL] });
    const lark = new FakeLark({ appId: LARK_APP_ID, appSecret: SECRETS.larkAppSecret, chats: [LARK_CHAT] });
    await Promise.all([slack.start(), lark.start()]);
    const slackProxy = new FaultProxy(slack.fake.url);
    const larkProxy = new FaultProxy(lark.fake.url);
    await Promise.all([slackProxy.start(), larkProxy.start()]);
    let stormUntil = 0;
    const arrivals = { slack: [] as number[], lark: [] as number[] };
    const coldArrivals = { slack: [] as number[], lark: [] as number[] };
    const seq = { slack: 0, lark: 0 };
    let recording = false;
    const storm =
      (platform: "slack" | "lark", isPost: (r: IncomingMessage) => boolean, throttled: Fault) =>
      (req: IncomingMessage): Fault | undefined => {
        if (!isPost(req)) return undefined;
        if (!recording) {
          coldArrivals[platform].push(Date.now());
          return undefined;
        }
        arrivals[platform].push(Date.now());
        if (Date.now() > stormUntil) return undefined;
        const r = ++seq[platform] % 10;
        if (r < 3) return throttled;
        if (r === 3) return { holdAnswerMs: HOLD_MS };
        return undefined;
      };
    slackProxy.decide = storm("slack", (r) => r.url === "/api/chat.postMessage", {
      answer: 429,
      body: { ok: false, error: "ratelimited" },
      headers: { "retry-after": "1" },
    });
    larkProxy.decide = storm(
      "lark",
      (r) => r.method === "POST" && r.url?.startsWith("/open-apis/im/v1/messages") === true,
      {
        answer: 429,
        body: { code: 99991400, msg: "request trigger frequency limit" },
        headers: { "x-ogw-ratelimit-limit": "50", "x-ogw-ratelimit-reset": "1" },
      },
    );
    const cfg = writeConfig(
      "s4",
      baseConfig(ctx, {
        slack: {
          token: SECRETS.slackToken,
          apiUrl: `${slackProxy.url}/api`,
          timeoutMs: CLIENT_TIMEOUT_MS,
          // A timed-out post that Slack did make is found in the channel's history instead of posted again.
          recoverLostPosts: true,
        },
        lark: {
          appId: LARK_APP_ID,
          appSecret: SECRETS.larkAppSecret,
          domain: larkProxy.url,
          timeoutMs: CLIENT_TIMEOUT_MS,
        },
        destinations: {
          slack: { platform: "slack", channel: SLACK_CHANNEL },
          lark: { platform: "lark", chatId: LARK_CHAT },
        },
        routes: [{ name: "all", destinations: ["slack", "lark"] }],
        worker: { concurrency: 16, attempts: 10, backoffMs: 200 },
        outbox: {
          rateLimits: { slack: { max: SLACK_LIMIT, per: "1s" }, lark: { max: LARK_LIMIT, per: "1s" } },
          digest: { enabled: false },
          reserveForApprovals: 0,
        },
      }),
    );
    const serve = await startBot("s4-serve", "serve", cfg);
    const worker = await startBot("s4-worker", "worker", cfg);
    try {
      await Promise.all([serve.ready(), worker.ready()]);
      // Warm-up, measured apart: the first sends of a cold process (connections, Lark's tenant token fetched after
      // the slot was taken) leave late; before slots were settled at send time they bunched with the next window.
      const warm = new Sender(serve.url, 8);
      await pooled(
        Array.from({ length: 12 }, (_, i) => failedInstance(39_000 + i)),
        8,
        async (ev) => {
          await warm.post(ev);
        },
      );
      await warm.close();
      await waitFor(
        () => coldArrivals.slack.length >= 12 && coldArrivals.lark.length >= 12,
        "warm-up delivered",
        60_000,
        250,
      );
      await sleep(1500);
      recording = true;
      const t0 = Date.now();
      stormUntil = t0 + STORM_S * 1000;
      const sender = new Sender(serve.url, 8);
      const events = Array.from({ length: EVENTS }, (_, i) => failedInstance(40_000 + i));
      await pooled(events, 8, async (ev) => {
        await sender.post(ev);
      });
      await sender.close();
      const count = (texts: string[]) => {
        const m = new Map<string, number>();
        for (const t of texts.map(taskIdOf)) if (t) m.set(t, (m.get(t) ?? 0) + 1);
        return m;
      };
      const ours = (t: string) => Number(taskIdOf(t)) >= 530_000_040_000;
      const slackSeen = () => count(slack.messages.map((m) => JSON.stringify(m.blocks)).filter(ours));
      const larkSeen = () => count(lark.messages.map((m) => JSON.stringify(m.card)).filter(ours));
      await waitFor(() => slackSeen().size >= EVENTS && larkSeen().size >= EVENTS, "every message", 180_000, 1000);
      const doneIn = Date.now() - t0;
      await sleep(3000);
      const dups = (m: Map<string, number>) => [...m.values()].reduce((n, v) => n + v - 1, 0);
      writeFileSync(join(LOG_DIR, "s4-arrivals.json"), JSON.stringify(arrivals));
      // Arrival times at the platform, in sliding 1 s windows (stricter than fixed buckets).
      const raw = (a: number[]) => maxInWindow(a, 1000);
      const slackMax = raw(arrivals.slack);
      const larkMax = raw(arrivals.lark);
      return [
        {
          measure: "events (each to one Slack channel and one Lark chat)",
          value: sender.stats.accepted,
          ok: sender.stats.accepted === EVENTS,
        },
        {
          measure: `Slack: 429 answered / answers held past the ${CLIENT_TIMEOUT_MS / 1000} s client timeout`,
          value: `${slackProxy.counts.answered} / ${slackProxy.counts.held}`,
        },
        {
          measure: `Lark: 429 (99991400) answered / answers held past the ${CLIENT_TIMEOUT_MS / 1000} s client timeout`,
          value: `${larkProxy.counts.answered} / ${larkProxy.counts.held}`,
        },
        { measure: "Slack: distinct events delivered", value: slackSeen().size, ok: slackSeen().size === EVENTS },
        { measure: "Lark: distinct events delivered", value: larkSeen().size, ok: larkSeen().size === EVENTS },
        {
          measure:
            "Slack: duplicate messages (timed-out posts Slack did make are found by their metadata key: recoverLostPosts)",
          value: dups(slackSeen()),
          ok: dups(slackSeen()) === 0,
        },
        {
          measure: "Lark: duplicate messages (the retry reuses the message uuid: Lark dedupes)",
          value: dups(larkSeen()),
          ok: dups(larkSeen()) === 0,
        },
        {
          measure: `Slack: most requests at the platform in any 1 s (limit ${SLACK_LIMIT})`,
          value: slackMax,
          ok: slackMax <= SLACK_LIMIT,
        },
        {
          measure: `Lark: most requests at the platform in any 1 s (limit ${LARK_LIMIT})`,
          value: larkMax,
          ok: larkMax <= LARK_LIMIT,
        },
        {
          measure: "cold start (12 events, first sends of fresh processes): most in any 1 s, Slack / Lark",
          value: `${raw(coldArrivals.slack)} / ${raw(coldArrivals.lark)}`,
          ok: raw(coldArrivals.slack) <= SLACK_LIMIT && raw(coldArrivals.lark) <= LARK_LIMIT,
        },
        { measure: "all delivered after", value: seconds(doneIn) },
      ];
    } finally {
      await killAll([serve, worker]);
      await Promise.all([slack.stop(), lark.stop(), slackProxy.stop(), larkProxy.stop()]);
    }
  },
};
