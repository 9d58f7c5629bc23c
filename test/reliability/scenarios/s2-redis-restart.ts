/**
 * 2. Restart Redis (a private appendonly instance of the scenario's own) while 100 approvals are pending and
 * events are flowing: no approval lost, every deadline still fires, no accepted event lost. The sender acts
 * like EventBridge: a 5xx or a refused connection is retried.
 */
import { FakeDataWorks } from "../../fakes/dataworks-api.js";
import { FakeSlack } from "../../fakes/slack-api.js";
import { fixture } from "../../helpers/fixtures.js";
import { sleep, waitFor } from "../../helpers/wait.js";
import { approvalConfig, approvalState } from "../lib/approvals.js";
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
import { RedisServer } from "../../helpers/redis-server.js";
import { OPEN_LIMITS } from "./s5-same-event-twice.js";

const APPROVALS = 100;
const TIMEOUT_S = 20;
const FLOW_S = 30;

export const redisRestart: Scenario = {
  id: "2",
  title: `Redis restarted with ${APPROVALS} approvals pending and events flowing`,
  async run(ctx) {
    const redis = new RedisServer();
    await redis.start();
    const slack = new FakeSlack({ token: SECRETS.slackToken, channels: [SLACK_CHANNEL] });
    const dw = new FakeDataWorks({ keys: { [SECRETS.dwAccessKeyId]: SECRETS.dwAccessKeySecret } });
    await Promise.all([slack.start(), dw.start()]);
    const cfg = writeConfig(
      "s2",
      baseConfig(
        { ...ctx, redisUrl: redis.url },
        {
          ...approvalConfig({ slackApiUrl: slack.apiUrl, dataworksEndpoint: dw.endpoint, timeout: `${TIMEOUT_S}s` }),
          outbox: OPEN_LIMITS,
        },
      ),
    );
    const serve = await startBot("s2-serve", "serve-no-workers", cfg);
    const worker = await startBot("s2-worker", "worker", cfg);
    try {
      await Promise.all([serve.ready(), worker.ready()]);
      const sender = new Sender(serve.url, 8);
      const base = fixture("commit-file");
      const postedFrom = Date.now();
      const approvals = Array.from({ length: APPROVALS }, (_, i) => ({ ...base, id: `rel-s2-${ctx.prefix}-${i}` }));
      await pooled(approvals, 8, async (ev) => {
        await sender.post(ev);
      });
      const approvalsAccepted = sender.stats.accepted;
      // The hardest moment: Redis goes down just before the deadlines fire and decisions go out.
      const deadlinesAt = postedFrom + TIMEOUT_S * 1000;
      // Events flow (10/s) for FLOW_S seconds, across the restart.
      const flowSender = new Sender(serve.url, 4);
      const accepted = new Set<string>();
      let sent = 0;
      let refusedFirstTry = 0;
      const flow = (async () => {
        const end = Date.now() + FLOW_S * 1000;
        const inFlight: Promise<void>[] = [];
        while (Date.now() < end) {
          const ev = failedInstance(20_000 + sent++);
          inFlight.push(
            (async () => {
              const first = await flowSender.post(ev);
              let res = first;
              if (first.status !== 202) {
                refusedFirstTry++;
                res = await flowSender.post(ev, { retryUntil: Date.now() + 60_000 });
              }
              if (res.status === 202) accepted.add(String((ev.data as { taskId: number }).taskId));
            })(),
          );
          await sleep(100);
        }
        await Promise.all(inFlight);
      })();
      await sleep(Math.max(0, deadlinesAt - 500 - Date.now()));
      const pendingBefore = (await approvalState(redis.url, ctx.prefix)).approvals.filter(
        (a) => a.state === "pending",
      ).length;
      const down = await redis.restart(3000);
      await flow;
      await sender.close();
      await flowSender.close();
      const delivered = () =>
        new Set(slack.messages.map((m) => taskIdOf(JSON.stringify(m.blocks))).filter((t): t is string => Boolean(t)));
      await waitFor(
        () => [...accepted].every((t) => delivered().has(t)),
        "every accepted event delivered",
        120_000,
        250,
      );
      const ids = new Set(approvals.map((e) => e.id));
      const calls = () => dw.decisionCalls().filter((c) => ids.has(c.params.MessageId ?? ""));
      await waitFor(
        () => new Set(calls().map((c) => c.params.MessageId)).size >= APPROVALS,
        "every deadline's decision at DataWorks",
        120_000,
        250,
      );
      await sleep(2000);
      const st = await approvalState(redis.url, ctx.prefix);
      const mine = st.approvals.filter((a) => ids.has(a.eventId));
      const lateness = mine.map((a) => (a.decision?.at ?? Number.POSITIVE_INFINITY) - a.deadline);
      const per = new Map<string, number>();
      for (const c of calls()) per.set(c.params.MessageId ?? "", (per.get(c.params.MessageId ?? "") ?? 0) + 1);
      for (const [id, v] of per) if (v > 1) ctx.log(`decision for ${id} reached DataWorks ${v} times`);
      const lostEvents = [...accepted].filter((t) => !delivered().has(t)).length;
      return [
        { measure: "approvals accepted", value: approvalsAccepted, ok: approvalsAccepted === APPROVALS },
        { measure: "pending when Redis went down", value: pendingBefore, ok: pendingBefore === APPROVALS },
        { measure: "Redis unreachable for", value: seconds(down) },
        { measure: "approvals still in Redis afterwards", value: mine.length, ok: mine.length === APPROVALS },
        {
          measure: "deadlines fired (decided by timeout)",
          value: mine.filter((a) => a.decision?.by.kind === "timeout").length,
          ok: mine.every((a) => a.decision?.by.kind === "timeout"),
        },
        { measure: "latest deadline fired after its time", value: seconds(Math.max(...lateness)) },
        {
          measure: "timeout decisions at DataWorks (each exactly once)",
          value: `${per.size} approvals, ${calls().length} calls, ${[...per.values()].filter((v) => v > 1).length} repeated`,
          ok: per.size === APPROVALS && [...per.values()].every((v) => v === 1),
        },
        {
          measure: "flowing events sent / accepted (202)",
          value: `${sent} / ${accepted.size}`,
          ok: accepted.size === sent,
        },
        { measure: "refused at first try while Redis was down (503, retried by the sender)", value: refusedFirstTry },
        { measure: "accepted events lost", value: lostEvents, ok: lostEvents === 0 },
      ];
    } finally {
      await killAll([serve, worker]);
      await Promise.all([slack.stop(), dw.stop()]);
      await redis.destroy();
    }
  },
};
