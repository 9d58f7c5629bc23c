import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLarkAdapter } from "../../../../adapters/lark/index.js";
import type { DeliveryError } from "../../../../src/core/errors.js";
import { emptyMessage } from "../../../../src/core/message.js";
import { FakeLark } from "../../../fakes/lark-api.js";
import { waitFor } from "../../../helpers/wait.js";

const APP = { appId: "cli_0123456789abcdef", appSecret: "lark-secret-xyz" };
const TIMEOUT = 300;

/**
 * The app bot's calls through the real SDK and our httpInstance (adapters/lark/http-instance.ts) against the fake
 * Lark: what each of Lark's answers becomes — a send, a permanent refusal with its hint, a retry (after the reset
 * Lark gives), a fresh token — and that no failure names a URL or a secret.
 */
describe("the Lark app bot's HTTP against the fake Lark", () => {
  const lark = new FakeLark({ ...APP, chats: ["oc_1"] });
  beforeAll(() => lark.start());
  afterAll(() => lark.stop());

  const adapter = (domain = lark.url) => createLarkAdapter({ app: { ...APP, domain }, timeoutMs: TIMEOUT });
  const send = (a: ReturnType<typeof adapter>, title: string, chat = "oc_1") =>
    a.send({ destination: "ops", address: chat, mode: "app" }, a.render({ ...emptyMessage("k", "en"), title }));
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => expect.fail("the send succeeded"),
      (e: unknown) => e,
    );

  it("sends: a token first, then the card as Lark's JSON with the bearer token", async () => {
    const a = adapter();
    const tokensBefore = lark.tokenRequests;
    const ref = await send(a, "Instance failed");
    expect(lark.tokenRequests).toBe(tokensBefore + 1);
    const m = lark.messages.find((x) => x.message_id === ref.ids.message_id);
    expect(JSON.stringify(m?.card)).toContain("Instance failed");
    const post = lark.calls.filter((c) => c.path === "/open-apis/im/v1/messages").at(-1);
    expect(post?.query.get("receive_id_type")).toBe("chat_id");
    expect(post?.headers["content-type"]).toBe("application/json");
    expect(post?.headers.authorization).toMatch(/^Bearer t-fake-\d+$/);
    expect(post?.headers["user-agent"]).toMatch(/^oapi-node-sdk\//);
  });

  it("a business code in a 4xx body is permanent and says what to fix", async () => {
    const err = (await failure(send(adapter(), "x", "oc_not_joined"))) as DeliveryError;
    expect(err.retryable).toBe(false);
    expect(err.platformCode).toBe("230002");
    expect(err.message).toContain("add the app's bot to the group");
  });

  it("HTTP 500 is retried", async () => {
    lark.script.push({ status: 500 });
    const err = (await failure(send(adapter(), "x"))) as DeliveryError;
    expect(err).toMatchObject({ retryable: true, platformCode: "1" });
    expect(err.message).toContain("HTTP 500");
  });

  it("HTTP 429 + 99991400 waits the x-ogw-ratelimit-reset Lark gives", async () => {
    lark.script.push({ rateLimit: 4 });
    const err = (await failure(send(adapter(), "x"))) as DeliveryError;
    expect(err).toMatchObject({ retryable: true, throttled: true, retryAfterMs: 4000, platformCode: "99991400" });
  });

  it("a revoked token is refreshed and the send retried once, without a second message", async () => {
    const a = adapter();
    await send(a, "first");
    lark.revokeTokens();
    const tokensBefore = lark.tokenRequests;
    const count = lark.messages.length;
    await send(a, "after the revocation");
    expect(lark.tokenRequests).toBe(tokensBefore + 1);
    expect(lark.messages.length).toBe(count + 1);
  });

  for (const [what, script] of [
    ["before the answer", { delayMs: 700 }],
    ["mid-body", { bodyDelayMs: 700 }],
  ] as const)
    it(`a timeout ${what} is retried, and the retry posts no second message (uuid)`, async () => {
      const a = adapter();
      await send(a, "warm the token");
      const count = lark.messages.length;
      lark.script.push(script);
      const err = (await failure(send(a, `slow ${what}`))) as DeliveryError;
      expect(err.retryable).toBe(true);
      expect(err.message).toContain("could not reach Lark: timed out");
      await waitFor(() => lark.messages.length === count + 1, "the slow send to land", 5_000);
      const ref = await send(a, `slow ${what}`);
      expect(lark.messages.length).toBe(count + 1);
      expect(ref.ids.message_id).toBe(lark.messages.at(-1)?.message_id);
    });

  it("a refused connection is retried, and the error names no URL", async () => {
    const err = (await failure(send(adapter("http://127.0.0.1:9"), "x"))) as DeliveryError;
    expect(err.retryable).toBe(true);
    expect(err.message).toContain("could not reach Lark: ECONNREFUSED");
    expect(`${err.message} ${err.stack}`).not.toMatch(/127\.0\.0\.1|lark-secret-xyz/);
  });
});
