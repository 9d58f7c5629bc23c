import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDingTalkAdapter } from "../../../../adapters/dingtalk/index.js";
import { REFRESH_MARGIN_MS } from "../../../../adapters/dingtalk/openapi.js";
import { DeliveryError } from "../../../../src/core/errors.js";
import { emptyMessage } from "../../../../src/core/message.js";
import { FakeDingTalk } from "../../../fakes/dingtalk-api.js";

const APP = { clientId: "dingkey0001", clientSecret: "ding-secret-xyz" };

describe("DingTalk adapter against the fake DingTalk", () => {
  let clock = Date.now();
  const now = () => clock;
  const ding = new FakeDingTalk({
    appKey: APP.clientId,
    appSecret: APP.clientSecret,
    robotCode: APP.clientId,
    conversations: ["cid1=="],
    now,
  });
  beforeAll(() => ding.start());
  afterAll(() => ding.stop());
  const target = { destination: "grp", address: "cid1==", mode: "app" as const };
  const msg = { ...emptyMessage("k", "en"), title: "hello" };

  it("refreshes the access token before it expires, not after", async () => {
    const a = createDingTalkAdapter({ app: { ...APP, apiUrl: ding.url }, timeoutMs: 2000, now });
    const before = ding.tokenRequests;
    await a.send(target, a.render(msg));
    await a.send(target, a.render(msg));
    expect(ding.tokenRequests).toBe(before + 1);
    clock += 7200_000 - REFRESH_MARGIN_MS + 1000; // still valid at DingTalk for ~4 more minutes
    await a.send(target, a.render(msg));
    expect(ding.tokenRequests).toBe(before + 2);
    const sends = ding.calls.filter((c) => c.path === "/v1.0/robot/groupMessages/send");
    expect(sends.every((c) => c.headers["x-acs-dingtalk-access-token"] !== undefined)).toBe(true);
    expect(ding.to("cid1==")).toHaveLength(3);
  });

  it("wrong app credentials are permanent and name the keys, without the secret", async () => {
    const a = createDingTalkAdapter({
      app: { clientId: APP.clientId, clientSecret: "bad-secret-999", apiUrl: ding.url },
      timeoutMs: 2000,
      now,
    });
    const err = (await a.send(target, a.render(msg)).catch((e: unknown) => e)) as DeliveryError;
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("dingtalk.clientId and dingtalk.clientSecret");
    expect(err.message).not.toContain("bad-secret-999");
  });

  it("cuts an oversized text so msgParam stays within 15,000 bytes", async () => {
    const a = createDingTalkAdapter({ app: { ...APP, apiUrl: ding.url }, timeoutMs: 2000, now });
    const big = { ...msg, sections: [{ text: "数据".repeat(9000) }] };
    await a.send(target, a.render(big));
    const last = ding.calls.filter((c) => c.path === "/v1.0/robot/groupMessages/send").at(-1)!;
    const param = (last.body as { msgParam: string }).msgParam;
    expect(Buffer.byteLength(param)).toBeLessThanOrEqual(15_000);
    expect(JSON.parse(param).text).toContain("…(truncated)");
  });

  it("a conversationId destination without the dingtalk section is a clear permanent error", async () => {
    const a = createDingTalkAdapter({ timeoutMs: 2000 });
    const err = (await a.send(target, a.render(msg)).catch((e: unknown) => e)) as DeliveryError;
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/grp.*dingtalk section/);
  });
});
