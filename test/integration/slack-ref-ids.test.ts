/**
 * A reply or an edit of a saved Slack message needs its channel and ts. A ref without them is refused by the adapter
 * with a permanent error before any request, rather than sent as "undefined" for Slack to refuse on every retry.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackAdapter } from "../../adapters/slack/index.js";
import type { ChatAdapter, MessageRef } from "../../src/core/chat-adapter.js";
import { DeliveryError } from "../../src/core/errors.js";
import { FakeSlack } from "../fakes/slack-api.js";

describe("Slack reply and update of a ref without its ids", () => {
  const slack = new FakeSlack({ token: "xoxb-ref-ids", channels: ["C0REF"] });
  let adapter: ChatAdapter;
  beforeAll(async () => {
    await slack.start();
    adapter = createSlackAdapter({ token: "xoxb-ref-ids", apiUrl: slack.apiUrl, timeoutMs: 2000 }) as ChatAdapter;
  });
  afterAll(() => slack.stop());

  const refused = async (call: () => Promise<void>, method: string) => {
    const before = slack.calls.length;
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).retryable).toBe(false);
    expect((err as DeliveryError).message).toContain(method);
    expect(slack.calls.length).toBe(before);
  };

  it("refuses a ref with no ts, and one saved by another adapter, without calling Slack", async () => {
    const noTs: MessageRef = { adapter: "slack", destination: "ops", ids: { channel: "C0REF" } };
    const lark: MessageRef = { adapter: "lark", destination: "ops", ids: { message_id: "om_1" } };
    const payload = { text: "edited", blocks: [] };
    await refused(() => adapter.reply?.(noTs, "hello") ?? Promise.resolve(), "chat.postMessage");
    await refused(() => adapter.update?.(noTs, payload) ?? Promise.resolve(), "chat.update");
    await refused(() => adapter.reply?.(lark, "hello") ?? Promise.resolve(), "chat.postMessage");
  });

  it("still replies to and edits a ref that has them", async () => {
    const ref = await adapter.send({ destination: "ops", address: "C0REF" } as never, { text: "parent", blocks: [] });
    await adapter.reply?.(ref, "in thread");
    await adapter.update?.(ref, { text: "edited", blocks: [] });
    expect(slack.messages.find((m) => m.ts === ref.ids.ts)?.updates).toBe(1);
    expect(slack.messages.some((m) => m.thread_ts === ref.ids.ts && m.text === "in thread")).toBe(true);
  });
});
