/**
 * 8. Fuzz every inbound HTTP endpoint with generated bodies (random JSON, wrong types, deep nesting, huge strings,
 * invalid UTF-8, wrong content types; half with valid authentication): no crash, no 5xx, no unhandled rejection,
 * and memory back to its baseline (measured after a full GC through the inspector).
 */
import { FakeDataWorks } from "../../fakes/dataworks-api.js";
import { FakeLark } from "../../fakes/lark-api.js";
import { FakeSlack } from "../../fakes/slack-api.js";
import { sleep } from "../../helpers/wait.js";
import { approvalConfig, larkConfig } from "../lib/approvals.js";
import {
  baseConfig,
  LARK_APP_ID,
  LARK_CHAT,
  pooled,
  type Scenario,
  SECRETS,
  SLACK_CHANNEL,
  seconds,
} from "../lib/common.js";
import { type Endpoint, generate, prng } from "../lib/fuzz.js";
import { send } from "../lib/inbound.js";
import { memoryAfterGc, mib } from "../lib/inspector.js";
import { killAll, startBot, writeConfig } from "../lib/procs.js";
import { OPEN_LIMITS } from "./s5-same-event-twice.js";

const N = Number(process.env.S8_BODIES ?? 10_000);
/** server.bodyLimitBytes default. */
const BODY_LIMIT = 262_144;
const ENDPOINTS: Endpoint[] = ["eventbridge", "slack", "lark"];

export const fuzz: Scenario = {
  id: "8",
  title: `fuzz /dataworks/events, /slack/events, /lark/events with ${N} generated bodies`,
  async run(ctx) {
    const slack = new FakeSlack({ token: SECRETS.slackToken, channels: [SLACK_CHANNEL] });
    const lark = new FakeLark({ appId: LARK_APP_ID, appSecret: SECRETS.larkAppSecret, chats: [LARK_CHAT] });
    const dw = new FakeDataWorks({ keys: { [SECRETS.dwAccessKeyId]: SECRETS.dwAccessKeySecret } });
    await Promise.all([slack.start(), lark.start(), dw.start()]);
    const cfg = writeConfig(
      "s8",
      baseConfig(ctx, {
        ...approvalConfig({ slackApiUrl: slack.apiUrl, dataworksEndpoint: dw.endpoint, timeout: "30m" }),
        lark: larkConfig(lark.fake.url),
        outbox: OPEN_LIMITS,
        log: { level: "debug" },
      }),
    );
    const bot = await startBot("s8-serve", "serve", cfg);
    try {
      await bot.ready();
      const inspector = await bot.inspectorUrl();
      const r = prng(20_261_123);
      const make = (n: number) =>
        Array.from({ length: n }, (_, i) => generate(r, ENDPOINTS[i % ENDPOINTS.length] as Endpoint));
      const statuses = new Map<string, number>();
      const fivexx: string[] = [];
      const run = async (reqs: ReturnType<typeof make>, record: boolean) =>
        pooled(reqs, 16, async (g) => {
          let status = "network error";
          try {
            status = String((await send(bot.url, g.req)).status);
          } catch (err) {
            status = `network error (${(err as Error).message})`;
          }
          if (!record) return;
          // Over the body limit Fastify answers 413 and closes the socket while the client may still be sending.
          if (status.startsWith("network error") && g.req.body.length > BODY_LIMIT) status = "413 (closed mid-upload)";
          const key = `${g.req.path} ${status}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          if (!/^[1-4]\d\d\b/.test(status))
            fivexx.push(`${g.req.path} ${g.kind}${g.authed ? " authed" : ""} → ${status}`);
        });
      // Warm-up with the same generators, so the baseline includes what the first requests load once.
      await run(make(600), false);
      await sleep(2000);
      const before = await memoryAfterGc(inspector);
      const t0 = Date.now();
      await run(make(N), true);
      const took = Date.now() - t0;
      await sleep(3000);
      const after = await memoryAfterGc(inspector);
      const alive = bot.child.exitCode === null && (await fetch(`${bot.url}/healthz`)).ok;
      const unhandled = (bot.output().match(/unhandled ?rejection|uncaught ?exception/gi) ?? []).length;
      const byEndpoint = [...statuses.entries()]
        .sort(([x], [y]) => (x < y ? -1 : 1))
        .map(([k, v]) => `${k}×${v}`)
        .join(", ");
      if (fivexx.length) ctx.log(`5xx/network: ${[...new Set(fivexx)].slice(0, 20).join("; ")}`);
      return [
        { measure: "bodies sent (after 600 warm-up)", value: `${N} in ${seconds(took)}` },
        { measure: "answers by endpoint and status", value: byEndpoint },
        { measure: "5xx or dropped connections", value: fivexx.length, ok: fivexx.length === 0 },
        { measure: "process alive and healthy afterwards", value: alive ? "yes" : "NO", ok: alive },
        { measure: "unhandled rejections / uncaught exceptions in its log", value: unhandled, ok: unhandled === 0 },
        {
          measure: "heap used after GC: before → after",
          value: `${mib(before.heapUsed)} → ${mib(after.heapUsed)}`,
          ok: after.heapUsed < before.heapUsed * 1.25 + 4 * 1048576,
        },
        { measure: "RSS after GC: before → after", value: `${mib(before.rss)} → ${mib(after.rss)}` },
      ];
    } finally {
      await killAll([bot]);
      await Promise.all([slack.stop(), lark.stop(), dw.stop()]);
    }
  },
};
