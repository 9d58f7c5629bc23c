import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackAdapter } from "../../../../adapters/slack/index.js";
import { DeliveryError } from "../../../../src/core/errors.js";
import { emptyMessage } from "../../../../src/core/message.js";
import { FakeSlack } from "../../../fakes/slack-api.js";

const TOKEN = "xoxb-errors";

/** How Slack's ok:false answers map to retry decisions, through the real WebClient against the fake Web API. */
describe("Slack error classification", () => {
  const slack = new FakeSlack({ token: TOKEN, channels: ["C0ERR"] });
  beforeAll(() => slack.start());
  afterAll(() => slack.stop());

  async function failureFor(error: string): Promise<DeliveryError> {
    const adapter = createSlackAdapter({ token: TOKEN, apiUrl: slack.apiUrl, timeoutMs: 2_000 });
    slack.script.push({ error });
    const m = emptyMessage("test", "en");
    m.title = "hello";
    try {
      await adapter.send({ destination: "ops", address: "C0ERR" }, adapter.render(m));
    } catch (err) {
      if (err instanceof DeliveryError) return err;
      throw err;
    }
    throw new Error(`no failure for ${error}`);
  }

  it.each(["msg_blocks_too_long", "invalid_metadata_format", "metadata_too_large", "channel_not_found"])(
    "%s is permanent: retrying sends the same bad request",
    async (code) => {
      const e = await failureFor(code);
      expect(e.retryable).toBe(false);
      expect(e.platformCode).toBe(code);
    },
  );

  it.each(["fatal_error", "internal_error"])("%s is retried, and the retry knows the post may exist", async (code) => {
    const e = await failureFor(code);
    expect(e).toMatchObject({ retryable: true, maybeDone: true });
  });

  it("a reply under a ref without a Slack ts is refused before any request (permanent), not posted", async () => {
    const adapter = createSlackAdapter({ token: TOKEN, apiUrl: slack.apiUrl, timeoutMs: 2_000 });
    const [messages, calls] = [slack.messages.length, slack.calls.length];
    const ref = { adapter: "slack", destination: "ops", ids: { channel: "C0ERR" } };
    const e = await adapter.reply!(ref, "a reply").catch((err: unknown) => err);
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e).toMatchObject({ retryable: false });
    expect(slack.messages).toHaveLength(messages);
    expect(slack.calls).toHaveLength(calls);
  });

  it("ratelimited answered as ok:false waits like a 429", async () => {
    const e = await failureFor("ratelimited");
    expect(e).toMatchObject({ retryable: true, throttled: true, retryAfterMs: 1_000 });
  });
});
