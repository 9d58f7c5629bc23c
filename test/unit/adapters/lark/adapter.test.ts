import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLarkAdapter } from "../../../../adapters/lark/index.js";
import { DeliveryError } from "../../../../src/core/errors.js";
import { emptyMessage } from "../../../../src/core/message.js";
import { FakeLark } from "../../../fakes/lark-api.js";

const APP = { appId: "cli_0123456789abcdef", appSecret: "lark-secret-xyz" };

/** The adapter as production builds it, against the fake Lark: send → PATCH update, and credential errors. */
describe("Lark adapter against the fake Lark API", () => {
  const lark = new FakeLark({ ...APP, chats: ["oc_1"], hooks: { h: {} } });
  beforeAll(() => lark.start());
  afterAll(() => lark.stop());

  const message = (title: string) => ({ ...emptyMessage("k", "en"), title, severity: "warning" as const });

  it("updates a sent card in place with PATCH (update_multi kept)", async () => {
    const a = createLarkAdapter({ app: { ...APP, domain: lark.url }, timeoutMs: 2000 });
    const ref = await a.send({ destination: "d", address: "oc_1", mode: "app" }, a.render(message("Pending")));
    expect(ref.ids.message_id).toMatch(/^om_/);
    await a.update!(ref, a.render({ ...message("Approved by ana"), severity: "success" }));
    const m = lark.messages.find((x) => x.message_id === ref.ids.message_id)!;
    expect(m.updates).toBe(1);
    expect(JSON.stringify(m.card)).toContain("Approved by ana");
    const patch = lark.calls.find((c) => c.method === "PATCH")!;
    expect(patch.path).toBe(`/open-apis/im/v1/messages/${ref.ids.message_id}`);
  });

  it("fits a quote-heavy card to Lark's 30 KB request body (escaped twice), without cutting it to nothing", async () => {
    const a = createLarkAdapter({ app: { ...APP, domain: lark.url }, timeoutMs: 2000 });
    const m = message("Data quality task");
    // Quotes and backslashes cost 4 bytes each once the card is a JSON string inside the request's JSON.
    for (let i = 0; i < 10; i++)
      m.sections.push({ title: `condition ${i}`, text: 'abcdefghi"\\'.repeat(300), style: "code" });
    await a.send({ destination: "d", address: "oc_1", mode: "app" }, a.render(m));
    const post = lark.calls.filter((c) => c.method === "POST" && c.path === "/open-apis/im/v1/messages").at(-1);
    expect(post).toBeDefined();
    const bytes = Buffer.byteLength(post?.raw ?? "");
    expect(bytes).toBeLessThanOrEqual(30 * 1024);
    // Cut to fit, not to the bone.
    expect(bytes).toBeGreaterThan(20 * 1024);
  });

  it("refuses to update a custom-bot message, permanently", async () => {
    const a = createLarkAdapter({ timeoutMs: 2000 });
    const ref = await a.send(
      { destination: "hookdest", address: "hookdest", mode: "webhook", webhook: { url: lark.hookUrl("h") } },
      a.render(message("x")),
    );
    const err = await a.update!(ref, a.render(message("y"))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect((err as DeliveryError).retryable).toBe(false);
  });

  it("wrong app credentials are permanent, say which keys to check, and leak no secret", async () => {
    const a = createLarkAdapter({
      app: { appId: APP.appId, appSecret: "wrong-secret-123", domain: lark.url },
      timeoutMs: 2000,
    });
    const err = (await a
      .send({ destination: "ops", address: "oc_1", mode: "app" }, a.render(message("x")))
      .catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("lark.appId and lark.appSecret");
    expect(err.message).toContain("ops");
    expect(`${err.message} ${err.stack}`).not.toContain("wrong-secret-123");
  });

  it("an unreachable Lark is retryable and the error names no URL", async () => {
    const a = createLarkAdapter({ timeoutMs: 500 });
    const url = "http://127.0.0.1:9/open-apis/bot/v2/hook/secret-hook-id";
    const err = (await a
      .send({ destination: "d", address: "d", mode: "webhook", webhook: { url } }, a.render(message("x")))
      .catch((e: unknown) => e)) as DeliveryError;
    expect(err.retryable).toBe(true);
    expect(err.message).not.toContain("secret-hook-id");
  });
});
