/**
 * 1. kill -9 a worker in the middle of a 5,000-event burst, start it again: every event delivered (counted at
 * the Slack fake by the instance id each message names), duplicates counted.
 */
import { FakeSlack } from "../../fakes/slack-api.js";
import { sleep, waitFor } from "../../helpers/wait.js";
import {
  baseConfig,
  failedInstance,
  pooled,
  type Scenario,
  SECRETS,
  SLACK_CHANNEL,
  Sender,
  seconds,
  taskIdOf,
} from "../lib/common.js";
import { killAll, startBot, writeConfig } from "../lib/procs.js";
import { OPEN_LIMITS } from "./s5-same-event-twice.js";

const EVENTS = Number(process.env.S1_EVENTS ?? 5000);

export const killWorker: Scenario = {
  id: "1",
  title: `kill -9 a worker during a ${EVENTS}-event burst`,
  async run(ctx) {
    const slack = new FakeSlack({ token: SECRETS.slackToken, channels: [SLACK_CHANNEL] });
    await slack.start();
    const cfg = writeConfig(
      "s1",
      baseConfig(ctx, {
        slack: { token: SECRETS.slackToken, apiUrl: slack.apiUrl },
        destinations: { ops: { platform: "slack", channel: SLACK_CHANNEL } },
        routes: [{ name: "all", destinations: ["ops"] }],
        outbox: OPEN_LIMITS,
      }),
    );
    const serve = await startBot("s1-serve", "serve-no-workers", cfg);
    let worker = await startBot("s1-worker", "worker", cfg);
    let restarted: typeof worker | undefined;
    try {
      await Promise.all([serve.ready(), worker.ready()]);
      const sender = new Sender(serve.url, 32);
      const events = Array.from({ length: EVENTS }, (_, i) => failedInstance(i));
      const delivered = new Map<string, number>();
      const count = () => {
        delivered.clear();
        for (const m of slack.messages) {
          const t = taskIdOf(JSON.stringify(m.blocks));
          if (t) delivered.set(t, (delivered.get(t) ?? 0) + 1);
        }
        return delivered.size;
      };
      const t0 = Date.now();
      let killedAt = 0;
      let deliveredAtKill = 0;
      const killer = (async () => {
        // Mid-burst: once a quarter of the events have reached Slack.
        await waitFor(() => slack.messages.length >= EVENTS / 4, "a quarter delivered", 120_000, 20);
        worker.child.kill("SIGKILL");
        killedAt = Date.now();
        deliveredAtKill = slack.messages.length;
        await worker.exited;
        await sleep(1000);
        restarted = await startBot("s1-worker-again", "worker", cfg);
        worker = restarted;
      })();
      await pooled(events, 32, async (ev) => {
        await sender.post(ev, { retryUntil: Date.now() + 30_000 });
      });
      const postedIn = Date.now() - t0;
      await killer;
      await waitFor(() => count() >= EVENTS, `all ${EVENTS} delivered (have ${delivered.size})`, 180_000, 250);
      const allDoneAt = Date.now();
      await sleep(3000);
      count();
      await sender.close();
      const duplicates = [...delivered.values()].reduce((n, c) => n + c - 1, 0);
      return [
        { measure: "events accepted (202)", value: sender.stats.accepted, ok: sender.stats.accepted === EVENTS },
        { measure: "posting took", value: seconds(postedIn) },
        { measure: "messages at Slack when the worker was killed", value: deliveredAtKill },
        { measure: "distinct events delivered", value: delivered.size, ok: delivered.size === EVENTS },
        {
          measure:
            "duplicate messages (≤ worker concurrency 16: only a kill between the send and saving its ref can repeat one)",
          value: duplicates,
          ok: duplicates <= 16,
        },
        {
          measure:
            "all delivered after the kill (in-flight jobs wait for BullMQ's stall check: 30 s lock + 30 s interval)",
          value: seconds(allDoneAt - killedAt),
        },
      ];
    } finally {
      await killAll([serve, worker, restarted]);
      await slack.stop();
    }
  },
};
