/**
 * One end-to-end run with secrets everywhere in the config (Slack token and signing secret, DataWorks AccessKey
 * secret, DingTalk client secret and custom-robot token/secret, the ingest token), driving successes, every kind
 * of refusal and failure, throttling and an approval. Then: /metrics counts what happened, and not one captured
 * log line (level trace) contains a secret.
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetFor } from "../../src/platforms.js";
import { createLogger, type Logger } from "../../src/logger.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { INGEST_TOKEN, startTestBot, type TestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { blockAction, form, slackHeaders } from "../helpers/sign-slack.js";
import { waitFor } from "../helpers/wait.js";

const SLACK_TOKEN = "xoxb-metrics-secret-token-7f3a";
const SIGNING = "slack-signing-secret-metrics-91c2";
const AK = "LTAI-metrics-id";
const AK_SECRET = "dw-access-key-secret-metrics-55d1";
const DING_ID = "dingmetrics0123456789";
const DING_SECRET = "dingtalk-client-secret-metrics-a1b2";
const ROBOT_TOKEN = "robot-access-token-metrics-c3d4";
const ROBOT_SECRET = "SECrobot-signing-secret-metrics-e5f6";
const WRONG_ROBOT_SECRET = "SECwrong-robot-secret-metrics-0a0b";
const SECRETS = [
  SLACK_TOKEN,
  SIGNING,
  AK_SECRET,
  DING_SECRET,
  ROBOT_TOKEN,
  ROBOT_SECRET,
  WRONG_ROBOT_SECRET,
  INGEST_TOKEN,
];

const to = (subject: string) => ({ match: { subject: [subject] }, destinations: [subject] });
// Each event its own instance and node: later events of one failed instance update its message in every destination
// that holds it (src/incidents/track.ts), and these tests count the messages of unrelated events.
let instances = 0;
const about = (subject: string, name = "instance-status-changes") => {
  const e = freshEvent(name);
  const n = ++instances;
  return {
    ...e,
    subject,
    data: { ...(e.data as Record<string, unknown>), nodeId: 700009300000 + n, taskId: 800009300000 + n },
  };
};

describe("metrics and log redaction, end to end", () => {
  let slack: FakeSlack;
  let dw: FakeDataWorks;
  let ding: FakeDingTalk;
  let bot: TestBot;
  let logger: Logger;
  const lines: string[] = [];

  beforeAll(async () => {
    slack = new FakeSlack({ token: SLACK_TOKEN, channels: ["C0OPS", "C0APPROVE"] });
    dw = new FakeDataWorks({ keys: { [AK]: AK_SECRET } });
    ding = new FakeDingTalk({
      appKey: DING_ID,
      appSecret: DING_SECRET,
      robotCode: DING_ID,
      conversations: ["cidOps=="],
      robots: { [ROBOT_TOKEN]: { secret: ROBOT_SECRET } },
    });
    await Promise.all([slack.start(), dw.start(), ding.start()]);
    const capture = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    });
    logger = createLogger("trace", capture);
    const robot = (secret: string) => ({
      platform: "dingtalk",
      accessToken: ROBOT_TOKEN,
      secret,
      webhookUrl: ding.webhookUrl,
    });
    bot = await startTestBot(
      {
        slack: { token: SLACK_TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
        dingtalk: { clientId: DING_ID, clientSecret: DING_SECRET, apiUrl: ding.url, timeoutMs: 5000 },
        dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: AK_SECRET, extensionCode: "ext-metrics" }),
        enrich: { enabled: false },
        destinations: {
          ops: { platform: "slack", channel: "C0OPS" },
          gone: { platform: "slack", channel: "C0GONE" },
          approve: { platform: "slack", channel: "C0APPROVE" },
          robot: robot(ROBOT_SECRET),
          badsig: robot(WRONG_ROBOT_SECRET),
          app: { platform: "dingtalk", conversationId: "cidOps==" },
        },
        routes: [to("ops"), to("gone"), to("robot"), to("badsig"), to("app")],
        approvals: {
          deliveryBackoff: "50ms",
          routes: [{ name: "prod", destinations: ["approve"], approvers: { users: { slack: ["U0ALICE"] } } }],
        },
        worker: { attempts: 3, backoffMs: 50 },
      },
      { logger },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([slack?.stop(), dw?.stop(), ding?.stop()]);
  });

  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const text = await (await fetch(`${bot.url}/metrics`)).text();
    const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    const line = text
      .split("\n")
      .find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `) ? want.every((w) => l.includes(w)) : false));
    return line ? Number(line.split(" ").at(-1)) : undefined;
  };

  it("counts received, duplicate and refused events by reason", async () => {
    const ev = about("ops");
    expect((await bot.post(ev)).status).toBe(202);
    expect((await bot.post(ev)).status).toBe(202);
    expect((await bot.post(about("robot"))).status).toBe(202);
    expect((await bot.post(about("app"))).status).toBe(202);
    expect((await bot.post(about("ops"), { "x-eventbridge-signature-token": "wrong-token" })).status).toBe(401);
    expect((await bot.post("{not json")).status).toBe(400);
    expect((await bot.post({ ...about("ops"), source: "acs.ecs" })).status).toBe(422);
    expect((await bot.post("x".repeat(300_000))).status).toBe(413);
    expect((await bot.post("a=b", { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);

    expect(await metric("dwc_events_received_total", { outcome: "accepted" })).toBe(3);
    expect(await metric("dwc_events_received_total", { outcome: "duplicate" })).toBe(1);
    for (const reason of [
      "unauthorized",
      "invalid_json",
      "source_not_accepted",
      "payload_too_large",
      "unsupported_media_type",
    ])
      expect(await metric("dwc_events_rejected_total", { reason }), reason).toBe(1);
    await waitFor(async () => (await metric("dwc_messages_sent_total", { platform: "dingtalk" })) === 2, "2 DingTalk");
    await waitFor(
      async () => (await metric("dwc_messages_sent_total", { platform: "slack", kind: "deliver" })) === 1,
      "1 Slack",
    );
  });

  it("counts throttling waits, retries and permanent failures per platform", async () => {
    slack.script.push({ rateLimit: 1 });
    await bot.post(about("ops"));
    await waitFor(async () => (await metric("dwc_messages_sent_total", { platform: "slack" })) === 2, "throttled send");
    expect(await metric("dwc_rate_limit_waits_total", { platform: "slack", reason: "throttled" })).toBe(1);

    slack.script.push({ status: 503 });
    await bot.post(about("ops"));
    await waitFor(async () => (await metric("dwc_messages_sent_total", { platform: "slack" })) === 3, "retried send");
    expect(await metric("dwc_messages_retried_total", { platform: "slack" })).toBe(1);

    await bot.post(about("gone"));
    await bot.post(about("badsig"));
    await waitFor(
      async () => (await metric("dwc_messages_failed_total", { platform: "slack", reason: "permanent" })) === 1,
      "channel_not_found failure",
    );
    await waitFor(
      async () => (await metric("dwc_messages_failed_total", { platform: "dingtalk", reason: "permanent" })) === 1,
      "bad robot signature failure",
    );
  });

  it("tracks pending approvals, decision latency and DataWorks errors", async () => {
    const ev = freshEvent("commit-file");
    await bot.post(ev);
    const card = await waitFor(() => slack.inChannel("C0APPROVE")[0], "the approval card");
    expect(await metric("dwc_approvals_pending")).toBe(1);
    const id = await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) });
    dw.script.push({ action: "UpdateIDEEventResult", answer: { throttle: true } });
    const body = form(
      blockAction({
        actionId: "approval.approve",
        value: String(id),
        userId: "U0ALICE",
        channel: "C0APPROVE",
        ts: card.ts,
      }),
    );
    await fetch(`${bot.url}/slack/events`, { method: "POST", headers: slackHeaders(SIGNING, body), body });
    await waitFor(() => dw.decisions.get(String(ev.id)), "the decision at DataWorks");
    await waitFor(async () => (await metric("dwc_dataworks_return_seconds_count")) === 1, "return latency");
    expect(await metric("dwc_approvals_pending")).toBe(0);
    expect(await metric("dwc_approval_decision_seconds_count", { decided_by: "human" })).toBe(1);
    expect(await metric("dwc_dataworks_api_errors_total", { retryable: "true" })).toBe(1);
    expect(await metric("dwc_queue_jobs", { queue: "deliveries", state: "failed" })).toBe(2);
    expect(await metric("dwc_queue_oldest_waiting_seconds", { queue: "events" })).toBe(0);
  });

  it("redacts secret keys at any depth when whole objects are logged by mistake", () => {
    logger.error({ config: bot.config }, "the whole config");
    for (const [name, d] of Object.entries(bot.config.destinations))
      logger.warn({ job: { target: targetFor(name, d) } }, "a whole target");
    logger.info({ request: { headers: { authorization: `Bearer ${SLACK_TOKEN}` } } }, "headers at depth 2");
    // An HTTP client's error carries its request config, Authorization header included.
    const clientError = Object.assign(new Error("request failed"), {
      config: { headers: { Authorization: `Bearer ${SLACK_TOKEN}`, "x-slack-signature": "v0=abc" } },
    });
    logger.error({ err: clientError }, "an HTTP client error");
    expect(lines.some((l) => l.includes("the whole config") && l.includes("[redacted]"))).toBe(true);
    const errLine = lines.find((l) => l.includes("an HTTP client error")) ?? "";
    expect(errLine).toContain("request failed");
    expect(errLine).toContain('"type":"Error"');
    expect(errLine).not.toContain("v0=abc");
  });

  it("logs none of the secrets, at trace level, across all of the above", async () => {
    // The capture works: deliveries, refusals and the decision were all logged.
    expect(lines.some((l) => l.includes('"msg":"delivered"'))).toBe(true);
    expect(lines.some((l) => l.includes("event request refused"))).toBe(true);
    expect(lines.some((l) => l.includes("decision returned to DataWorks"))).toBe(true);
    expect(lines.length).toBeGreaterThan(20);
    const leaks = lines.filter((l) => SECRETS.some((s) => l.includes(s)));
    expect(leaks).toEqual([]);
  });
});
