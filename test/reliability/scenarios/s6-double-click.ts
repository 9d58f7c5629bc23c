/** 6. Two instances, 100 approvals, two approvers clicking each at the same moment on different instances. */
import { FakeDataWorks } from "../../fakes/dataworks-api.js";
import { FakeSlack } from "../../fakes/slack-api.js";
import { fixture } from "../../helpers/fixtures.js";
import { sleep, waitFor } from "../../helpers/wait.js";
import { APPROVERS, approvalConfig, approvalIdOf, approvalState, click } from "../lib/approvals.js";
import { arrived, baseConfig, pooled, type Scenario, SECRETS, SLACK_CHANNEL, Sender } from "../lib/common.js";
import { killAll, startBot, writeConfig } from "../lib/procs.js";
import { OPEN_LIMITS } from "./s5-same-event-twice.js";

const N = 100;

export const doubleClick: Scenario = {
  id: "6",
  title: `two instances, ${N} approvals, two approvers click each at once`,
  async run(ctx) {
    const slack = new FakeSlack({ token: SECRETS.slackToken, channels: [SLACK_CHANNEL] });
    const dw = new FakeDataWorks({ keys: { [SECRETS.dwAccessKeyId]: SECRETS.dwAccessKeySecret } });
    await Promise.all([slack.start(), dw.start()]);
    const cfg = writeConfig(
      "s6",
      baseConfig(ctx, {
        ...approvalConfig({ slackApiUrl: slack.apiUrl, dataworksEndpoint: dw.endpoint, timeout: "30m" }),
        outbox: OPEN_LIMITS,
      }),
    );
    const a = await startBot("s6-a", "serve", cfg);
    const b = await startBot("s6-b", "serve", cfg);
    try {
      await Promise.all([a.ready(), b.ready()]);
      const sender = new Sender(a.url, 16);
      const base = fixture("commit-file");
      const events = Array.from({ length: N }, (_, i) => ({ ...base, id: `rel-s6-${ctx.prefix}-${i}` }));
      await pooled(events, 16, async (ev) => {
        await sender.post(ev);
      });
      await sender.close();
      await waitFor(() => slack.messages.filter(approvalIdOf).length >= N, `${N} cards`, 60_000, 100);
      const cards = slack.messages.filter(approvalIdOf).map((m) => ({ id: approvalIdOf(m) as string, ts: m.ts }));
      const statuses: number[] = [];
      // Both clicks of an approval leave together, one to each instance; 20 approvals at a time.
      await pooled(cards, 20, async (c) => {
        const [x, y] = await Promise.all([
          click(a.url, c.id, APPROVERS[0] as string, c.ts),
          click(b.url, c.id, APPROVERS[1] as string, c.ts),
        ]);
        statuses.push(x.status, y.status);
      });
      const ids = new Set(events.map((e) => e.id));
      const calls = () => dw.callsOf("UpdateIDEEventResult").filter((c) => ids.has(c.params.MessageId ?? ""));
      await waitFor(
        () => new Set(calls().map((c) => c.params.MessageId)).size >= N,
        "every decision at DataWorks",
        60_000,
        100,
      );
      // Each clicker's private answer is posted after the click is acked.
      await arrived(() => slack.ephemeral.length >= 2 * N, "an answer to every click");
      // Nothing more: no second decision call for any approval.
      await sleep(2000);
      const perMessage = new Map<string, number>();
      for (const c of calls())
        perMessage.set(c.params.MessageId ?? "", (perMessage.get(c.params.MessageId ?? "") ?? 0) + 1);
      const st = await approvalState(ctx.redisUrl, ctx.prefix);
      const auditedOnce = st.approvals.filter((x) => st.decisionsAudited.get(x.id) === 1).length;
      // Each clicker is told the outcome privately: one "Approved", the other "Already decided: … by …".
      const late = slack.ephemeral.filter((e) => e.text.startsWith("Already decided")).length;
      const approvedReplies = slack.ephemeral.length - late;
      return [
        { measure: "clicks sent (2 per approval, one per instance)", value: statuses.length },
        {
          measure: "clicks answered 200",
          value: statuses.filter((s) => s === 200).length,
          ok: statuses.every((s) => s === 200),
        },
        {
          measure: "approvals with exactly one decision call at DataWorks",
          value: [...perMessage.values()].filter((v) => v === 1).length,
          ok: [...perMessage.values()].every((v) => v === 1) && perMessage.size === N,
        },
        { measure: "decision calls at DataWorks in all", value: calls().length, ok: calls().length === N },
        { measure: "approvals with exactly one audited decision", value: auditedOnce, ok: auditedOnce === N },
        {
          measure: 'clickers told "approved" (the rest: already decided)',
          value: `${approvedReplies} of ${slack.ephemeral.length}`,
          ok: approvedReplies === N && late === N,
        },
      ];
    } finally {
      await killAll([a, b]);
      await Promise.all([slack.stop(), dw.stop()]);
    }
  },
};
