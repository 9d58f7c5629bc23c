import { Writable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSlackAdapter } from "../../adapters/slack/index.js";
import { DeliveryError } from "../../src/core/errors.js";
import { emptyMessage, type Message } from "../../src/core/message.js";
import { withFallback } from "../../src/jobs/safe-adapter.js";
import { createLogger } from "../../src/logger.js";
import { FakeSlack } from "../fakes/slack-api.js";

const TOKEN = "xoxb-fallback";
const target = { destination: "ops", address: "C0FB" };

/** The real Slack adapter against the fake Web API, wrapped as a delivery wraps it. */
describe("withFallback: a payload that fails the same way every time is replaced at once", () => {
  const slack = new FakeSlack({ token: TOKEN, channels: ["C0FB"] });
  const lines: string[] = [];
  const log = createLogger(
    "info",
    new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).split("\n").filter(Boolean));
        done();
      },
    }),
  ).child({ eventId: "ev-123" });
  const message = (title: string): Message => ({ ...emptyMessage("k", "en"), title, summary: title });
  const adapter = () =>
    withFallback(
      createSlackAdapter({ token: TOKEN, apiUrl: slack.apiUrl, timeoutMs: 2_000 }),
      // The minimal message carries text the client cannot encode too: it is made well formed.
      () => message("Fallback for ev-123\ud800"),
      log,
    );
  beforeAll(() => slack.start());
  afterAll(() => slack.stop());
  beforeEach(() => {
    slack.messages.length = 0;
    slack.script.length = 0;
    lines.length = 0;
  });

  it("sends the minimal message when the client cannot encode the rendered one, and logs it with the event id", async () => {
    const a = adapter();
    await a.send(target, a.render(message("Full message\ud800")));
    expect(slack.messages.map((m) => m.text)).toEqual(["Fallback for ev-123\ufffd"]);
    const line = lines.find((l) => l.includes("fallback"));
    expect(line).toContain('"eventId":"ev-123"');
    expect(line).toContain("URI malformed");
  });

  it("sends the minimal message when the platform refuses the rendered one (invalid_blocks)", async () => {
    slack.script.push({ error: "invalid_blocks" });
    const a = adapter();
    await a.send(target, a.render(message("Full message")));
    expect(slack.messages.map((m) => m.text)).toEqual(["Fallback for ev-123\ufffd"]);
  });

  it("updates with the minimal message too", async () => {
    const a = adapter();
    const ref = await a.send(target, a.render(message("First")));
    slack.script.push({ error: "invalid_blocks" });
    await a.update!(ref, a.render(message("Second")));
    expect(slack.messages[0]).toMatchObject({ text: "Fallback for ev-123\ufffd", updates: 1 });
  });

  it("fails permanently when the minimal message is refused as well: no retry loop", async () => {
    slack.script.push({ error: "invalid_blocks" }, { error: "invalid_blocks" });
    const a = adapter();
    const err = await a.send(target, a.render(message("Full message"))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ retryable: false, badPayload: true });
    expect(slack.messages).toEqual([]);
  });

  it("leaves failures that may pass on a retry alone (HTTP 500): no fallback sent", async () => {
    slack.script.push({ status: 500 });
    const a = adapter();
    const err = await a.send(target, a.render(message("Full message"))).catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true, badPayload: false });
    expect(slack.messages).toEqual([]);
  });

  it("renders the minimal message when the adapter cannot render the message", async () => {
    const a = adapter();
    const broken = { ...message("x"), fields: null } as unknown as Message;
    await a.send(target, a.render(broken));
    expect(slack.messages.map((m) => m.text)).toEqual(["Fallback for ev-123\ufffd"]);
    expect(lines.some((l) => l.includes("could not be rendered"))).toBe(true);
  });
});
