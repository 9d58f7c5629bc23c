/** 5. The same EventBridge event delivered 50 times, concurrently, to two instances: one message. */
import { FakeSlack } from "../../fakes/slack-api.js";
import { sleep, waitFor } from "../../helpers/wait.js";
import { baseConfig, failedInstance, type Scenario, SECRETS, SLACK_CHANNEL, Sender, taskIdOf } from "../lib/common.js";
import { killAll, startBot, writeConfig } from "../lib/procs.js";

export const OPEN_LIMITS = {
  rateLimits: { slack: { max: 10_000, per: "1s" }, lark: { max: 10_000, per: "1s" } },
  digest: { enabled: false },
};

export const sameEventTwice: Scenario = {
  id: "5",
  title: "same event ×50, concurrently, to two instances",
  async run(ctx) {
    const slack = new FakeSlack({ token: SECRETS.slackToken, channels: [SLACK_CHANNEL] });
    await slack.start();
    const cfg = writeConfig(
      "s5",
      baseConfig(ctx, {
        slack: { token: SECRETS.slackToken, apiUrl: slack.apiUrl },
        destinations: { ops: { platform: "slack", channel: SLACK_CHANNEL } },
        routes: [{ name: "all", destinations: ["ops"] }],
        outbox: OPEN_LIMITS,
      }),
    );
    const a = await startBot("s5-a", "serve", cfg);
    const b = await startBot("s5-b", "serve", cfg);
    try {
      await Promise.all([a.ready(), b.ready()]);
      const senders = [new Sender(a.url, 25), new Sender(b.url, 25)];
      const rounds = 5;
      let messages = 0;
      for (let r = 0; r < rounds; r++) {
        const ev = failedInstance(5000 + r);
        const task = String((ev.data as { taskId: number }).taskId);
        await Promise.all(Array.from({ length: 50 }, (_, i) => senders[i % 2]?.post(ev)));
        await waitFor(
          () => slack.messages.some((m) => taskIdOf(m.text + JSON.stringify(m.blocks)) === task),
          "message",
        );
        await sleep(1500);
        messages += slack.messages.filter((m) => taskIdOf(JSON.stringify(m.blocks)) === task).length;
      }
      const accepted = senders.reduce((n, s) => n + s.stats.accepted, 0);
      const dups = senders.reduce((n, s) => n + s.stats.duplicates, 0);
      await Promise.all(senders.map((s) => s.close()));
      return [
        { measure: `events sent (${rounds} events × 50 copies, 2 instances)`, value: rounds * 50 },
        { measure: "copies accepted as new (202 accepted)", value: accepted, ok: accepted === rounds },
        { measure: "copies answered as duplicates (202 duplicates)", value: dups, ok: dups === rounds * 49 },
        { measure: "messages at Slack", value: messages, ok: messages === rounds },
      ];
    } finally {
      await killAll([a, b]);
      await slack.stop();
    }
  },
};
