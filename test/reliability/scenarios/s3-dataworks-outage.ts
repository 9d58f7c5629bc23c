/**
 * 3. DataWorks OpenAPI answering 5xx and throttling for a long time (10 minutes compressed to OUTAGE_S seconds by
 * a small approvals.deliveryBackoff): every decision is delivered exactly once afterwards. A fault proxy answers
 * for DataWorks during the outage, so the fake behind it counts exactly the calls that got through.
 */
import { FakeDataWorks } from "../../fakes/dataworks-api.js";
import { FakeSlack } from "../../fakes/slack-api.js";
import { fixture } from "../../helpers/fixtures.js";
import { sleep, waitFor } from "../../helpers/wait.js";
import { approvalConfig, approvalState } from "../lib/approvals.js";
import { arrived, baseConfig, pooled, type Scenario, SECRETS, SLACK_CHANNEL, Sender, seconds } from "../lib/common.js";
import { FaultProxy } from "../lib/fault-proxy.js";
import { killAll, startBot, writeConfig } from "../lib/procs.js";
import { OPEN_LIMITS } from "./s5-same-event-twice.js";

const N = 60;
const OUTAGE_S = Number(process.env.S3_OUTAGE_S ?? 20);

export const dataworksOutage: Scenario = {
  id: "3",
  title: `DataWorks OpenAPI 5xx/throttling for ${OUTAGE_S} s (10 min compressed)`,
  async run(ctx) {
    const slack = new FakeSlack({ token: SECRETS.slackToken, channels: [SLACK_CHANNEL] });
    const dw = new FakeDataWorks({ keys: { [SECRETS.dwAccessKeyId]: SECRETS.dwAccessKeySecret } });
    await Promise.all([slack.start(), dw.start()]);
    const proxy = new FaultProxy(dw.fake.url);
    await proxy.start();
    let outage = true;
    let n = 0;
    // Like the gateway: alternately 503 ServiceUnavailable and 429 Throttling.User (the fake's throttling answer).
    proxy.decide = () => {
      if (!outage) return undefined;
      return ++n % 2
        ? {
            answer: 503,
            body: {
              Code: "ServiceUnavailable",
              Message: "The request has failed due to a temporary failure of the server.",
              RequestId: `P-${n}`,
            },
          }
        : {
            answer: 429,
            body: {
              Code: "Throttling.User",
              Message: "Request was denied due to user flow control.",
              RequestId: `P-${n}`,
            },
          };
    };
    const cfg = writeConfig(
      "s3",
      baseConfig(ctx, {
        ...approvalConfig({
          slackApiUrl: slack.apiUrl,
          dataworksEndpoint: proxy.url.replace(/^http:\/\//, ""),
          // Every approval times out during the outage: the deadline's decision must reach DataWorks.
          timeout: "2s",
          deliveryBackoff: "200ms",
          deliveryAttempts: 40,
        }),
        outbox: OPEN_LIMITS,
      }),
    );
    const serve = await startBot("s3-serve", "serve", cfg);
    const worker = await startBot("s3-worker", "worker", cfg);
    try {
      await Promise.all([serve.ready(), worker.ready()]);
      const t0 = Date.now();
      const sender = new Sender(serve.url, 8);
      const base = fixture("deploy-file");
      const events = Array.from({ length: N }, (_, i) => ({ ...base, id: `rel-s3-${ctx.prefix}-${i}` }));
      await pooled(events, 8, async (ev) => {
        await sender.post(ev);
      });
      await sender.close();
      const remaining = OUTAGE_S * 1000 - (Date.now() - t0);
      await sleep(Math.max(0, remaining));
      outage = false;
      const outageEnd = Date.now();
      const refusedDuringOutage = proxy.counts.answered;
      const ids = new Set(events.map((e) => e.id));
      const calls = () => dw.decisionCalls().filter((c) => ids.has(c.params.MessageId ?? ""));
      await waitFor(
        () => dw.decisions.size >= N && new Set(calls().map((c) => c.params.MessageId)).size >= N,
        "every decision after the outage",
        120_000,
        100,
      );
      const allIn = Date.now() - outageEnd;
      // Each approval records DataWorks' answer after the call returns.
      const acceptedCount = async () =>
        (await approvalState(ctx.redisUrl, ctx.prefix)).approvals.filter((a) => a.dataworks?.status === "accepted")
          .length;
      await arrived(async () => (await acceptedCount()) >= N, "every approval recorded as accepted", 60_000, 500);
      // Nothing more: no decision delivered twice.
      await sleep(3000);
      const per = new Map<string, number>();
      for (const c of calls()) per.set(c.params.MessageId ?? "", (per.get(c.params.MessageId ?? "") ?? 0) + 1);
      const st = await approvalState(ctx.redisUrl, ctx.prefix);
      const accepted = st.approvals.filter((a) => a.dataworks?.status === "accepted").length;
      const byTimeout = st.approvals.filter((a) => a.decision?.by.kind === "timeout").length;
      return [
        {
          measure: "approvals (decided by their 2 s deadline, during the outage)",
          value: `${byTimeout} of ${N}`,
          ok: byTimeout === N,
        },
        { measure: "calls refused during the outage (503 / 429 Throttling.User)", value: refusedDuringOutage },
        {
          measure: "calls that reached DataWorks during the outage",
          value: dw.calls.filter((c) => c.at < outageEnd).length,
          ok: dw.calls.filter((c) => c.at < outageEnd).length === 0,
        },
        { measure: "decisions delivered after the outage", value: per.size, ok: per.size === N },
        {
          measure: "decisions delivered more than once",
          value: [...per.values()].filter((v) => v > 1).length,
          ok: [...per.values()].every((v) => v === 1),
        },
        { measure: "approvals recorded as accepted by DataWorks", value: accepted, ok: accepted === N },
        { measure: "all delivered after the outage ended", value: seconds(allIn) },
      ];
    } finally {
      await killAll([serve, worker]);
      await Promise.all([slack.stop(), dw.stop(), proxy.stop()]);
    }
  },
};
