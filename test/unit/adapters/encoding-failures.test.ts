import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleAdapter } from "../../../adapters/console/index.js";
import { sendRobotMarkdown } from "../../../adapters/dingtalk/webhook.js";
import { createLarkAdapter } from "../../../adapters/lark/index.js";
import { createSlackAdapter } from "../../../adapters/slack/index.js";
import { DeliveryError } from "../../../src/core/errors.js";
import { emptyMessage } from "../../../src/core/message.js";
import { FakeLark } from "../../fakes/lark-api.js";
import { FakeSlack } from "../../fakes/slack-api.js";

/** A port nothing listens on: a request that got as far as the network would fail as "connection failed". */
const NOWHERE = "http://127.0.0.1:9";

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DeliveryError) return err;
    throw err;
  }
  throw new Error("no failure");
}

/**
 * A payload its encoder throws on fails the same way on every retry: each adapter reports it as a permanent
 * DeliveryError marked badPayload (the delivery then sends the minimal fallback), never as a retryable one.
 */
describe("encoding failures are permanent for the payload, on every adapter", () => {
  const TOKEN = "xoxb-encoding";
  const slack = new FakeSlack({ token: TOKEN, channels: ["C0ENC"] });
  const APP = { appId: "cli_0123456789abcdef", appSecret: "lark-secret-xyz" };
  const lark = new FakeLark({ ...APP, chats: ["oc_1"], hooks: { h: {} } });
  beforeAll(() => Promise.all([slack.start(), lark.start()]));
  afterAll(() => Promise.all([slack.stop(), lark.stop()]));
  const msg = (title: string) => ({ ...emptyMessage("k", "en"), title });

  it("Slack: text ending in an unpaired surrogate (querystring throws URI malformed) is not retried", async () => {
    const adapter = createSlackAdapter({ token: TOKEN, apiUrl: slack.apiUrl, timeoutMs: 2_000 });
    const before = slack.calls.length;
    const e = await failure(adapter.send({ destination: "ops", address: "C0ENC" }, adapter.render(msg("x\ud800"))));
    expect(e).toMatchObject({ retryable: false, badPayload: true, adapter: "slack" });
    expect(e.message).toContain("URI malformed");
    expect(slack.calls.length, "nothing reached Slack").toBe(before);
  });

  it.each(["invalid_blocks", "msg_too_long"])("Slack: %s refuses the payload itself", async (code) => {
    const adapter = createSlackAdapter({ token: TOKEN, apiUrl: slack.apiUrl, timeoutMs: 2_000 });
    slack.script.push({ error: code });
    const e = await failure(adapter.send({ destination: "ops", address: "C0ENC" }, adapter.render(msg("hi"))));
    expect(e).toMatchObject({ retryable: false, badPayload: true, platformCode: code });
  });

  it("Slack: a network failure stays retryable and is no payload fault", async () => {
    const adapter = createSlackAdapter({ token: TOKEN, apiUrl: `${NOWHERE}/api`, timeoutMs: 2_000 });
    const e = await failure(adapter.send({ destination: "ops", address: "C0ENC" }, adapter.render(msg("hi"))));
    expect(e).toMatchObject({ retryable: true, badPayload: false });
  });

  it("Lark custom bot: a card JSON cannot encode fails before the request, permanently", async () => {
    const a = createLarkAdapter({ timeoutMs: 2_000 });
    const payload = a.render(msg("x"));
    const bad = { ...payload, card: { ...payload.card, header: { big: 1n } } } as unknown as typeof payload;
    const before = lark.calls.length;
    const e = await failure(
      a.send({ destination: "hook", address: "hook", mode: "webhook", webhook: { url: lark.hookUrl("h") } }, bad),
    );
    expect(e).toMatchObject({ retryable: false, badPayload: true, adapter: "lark" });
    expect(lark.calls.length).toBe(before);
  });

  it("Lark app bot: a card that cannot be encoded is permanent on send and update, not a transport failure", async () => {
    const a = createLarkAdapter({ app: { ...APP, domain: lark.url }, timeoutMs: 2_000 });
    const ref = await a.send({ destination: "d", address: "oc_1", mode: "app" }, a.render(msg("x")));
    const payload = a.render(msg("y"));
    const card: Record<string, unknown> = { ...payload.card };
    card.self = card;
    const e = await failure(a.update!(ref, { ...payload, card } as unknown as typeof payload));
    expect(e).toMatchObject({ retryable: false, badPayload: true });
    const sent = await failure(
      a.send({ destination: "d", address: "oc_1", mode: "app" }, {
        ...payload,
        card,
      } as unknown as typeof payload),
    );
    expect(sent).toMatchObject({ retryable: false, badPayload: true });
  });

  it("DingTalk robot: a body JSON cannot encode is permanent, where a network failure would be retried", async () => {
    const o = { destination: "grp", timeoutMs: 2_000, now: Date.now };
    const robot = { webhookUrl: NOWHERE, accessToken: "t0" };
    const bad = await failure(sendRobotMarkdown(robot, { title: "t", text: "x", at: { big: 1n } } as never, o));
    expect(bad).toMatchObject({ retryable: false, badPayload: true, adapter: "dingtalk" });
    const net = await failure(sendRobotMarkdown(robot, { title: "t", text: "x" } as never, o));
    expect(net).toMatchObject({ retryable: true, badPayload: false });
  });

  it("console: an observer that cannot encode the payload fails it permanently", async () => {
    const a = createConsoleAdapter({
      print: () => undefined,
      onMessage: (_ref, payload) => {
        JSON.stringify({ payload, big: 1n });
      },
    });
    const e = await failure(a.send({ destination: "console", address: "console" }, a.render(msg("x"))));
    expect(e).toMatchObject({ retryable: false, badPayload: true, adapter: "console" });
  });
});
