import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeLark } from "../fakes/lark-api.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { allFixtureNames, freshEvent } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/wait.js";

const APP_ID = "cli_a1b2c3d4e5f60718";
const APP_SECRET = "lark-app-secret-0123456789";
const HOOK_SECRET = "lark-hook-secret-abcdef";
const WRONG_SECRET = "not-the-hook-secret";

/** Events are routed by their envelope `subject`, so each test picks its destination. */
const to = (subject: string) => ({ match: { subject: [subject] }, destinations: [subject] });

describe("POST /dataworks/events → Lark (real Redis, BullMQ, @larksuiteoapi/node-sdk against a fake Lark)", () => {
  let lark: FakeLark;
  let bot: TestBot;

  beforeAll(async () => {
    lark = new FakeLark({
      appId: APP_ID,
      appSecret: APP_SECRET,
      chats: ["oc_all", "oc_ops"],
      hooks: { "hook-signed": { secret: HOOK_SECRET }, "hook-keyword": { keyword: "DataWorks-only" } },
    });
    await lark.start();
    // A timeout a loaded machine cannot hit by accident: the counts below are exact. The timeout test scripts a
    // longer delay.
    bot = await startTestBot({
      lark: { appId: APP_ID, appSecret: APP_SECRET, domain: lark.url, timeoutMs: 5000 },
      destinations: {
        all: { platform: "lark", chatId: "oc_all", locale: "zh-CN" },
        ops: { platform: "lark", chatId: "oc_ops" },
        hook: { platform: "lark", webhook: lark.hookUrl("hook-signed"), webhookSecret: HOOK_SECRET },
        badsig: { platform: "lark", webhook: lark.hookUrl("hook-signed"), webhookSecret: WRONG_SECRET },
        keyword: { platform: "lark", webhook: lark.hookUrl("hook-keyword") },
        outside: { platform: "lark", chatId: "oc_bot_not_member" },
      },
      routes: [to("ops"), to("hook"), to("badsig"), to("keyword"), to("outside"), { destinations: ["all"] }],
    });
  });
  afterAll(async () => {
    await bot?.close();
    await lark?.stop();
  });

  const carrying = (id: unknown) => lark.messages.filter((m) => JSON.stringify(m.card).includes(String(id)));
  const postsCarrying = (id: unknown) =>
    lark.calls.filter((c) => c.path === "/open-apis/im/v1/messages" && c.raw.includes(String(id)));
  const failedJob = (id: unknown) =>
    waitFor(
      async () => (await bot.runtime.queues.deliveries.getFailed()).find((j) => j.data.event.id === id),
      "the failed job",
    );

  it("delivers every fixture to the app chat as a card JSON 2.0 (token fetched once, then cached)", async () => {
    const names = allFixtureNames();
    for (const name of names) expect((await bot.post(freshEvent(name))).status, name).toBe(202);
    await waitFor(() => lark.inChat("oc_all").length >= names.length, `${names.length} Lark messages`, 20_000);
    expect(lark.inChat("oc_all")).toHaveLength(names.length);
    expect(lark.tokenRequests).toBe(1);
    const inst = lark.inChat("oc_all").find((m) => JSON.stringify(m.card).includes('"template":"red"'));
    expect(inst, "a failed instance gets a red header").toBeDefined();
    expect(lark.inChat("oc_all").some((m) => JSON.stringify(m.card).includes("文件提交前检查"))).toBe(true);
    const post = lark.calls.find((c) => c.path === "/open-apis/im/v1/messages")!;
    expect(post.headers.authorization).toMatch(/^Bearer t-fake-/);
    expect(post.query.get("receive_id_type")).toBe("chat_id");
  });

  it("posts to a signed custom bot, without callback buttons", async () => {
    const ev = freshEvent("pre-kill-instance", { subject: "hook" });
    await bot.post(ev);
    const msg = await waitFor(() => carrying(ev.id)[0], "the custom-bot message");
    expect(msg.via).toBe("hook-signed");
    expect(JSON.stringify(msg.card)).not.toContain("callback");
  });

  it("a wrong custom-bot signing secret fails once, permanently, saying what to fix and leaking nothing", async () => {
    const ev = freshEvent("deploy-file", { subject: "badsig" });
    await bot.post(ev);
    const job = await failedJob(ev.id);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain("19021");
    expect(job.failedReason).toContain("badsig");
    expect(job.failedReason).toContain("webhookSecret");
    for (const secret of [WRONG_SECRET, HOOK_SECRET, "hook-signed", lark.url])
      expect(job.failedReason).not.toContain(secret);
    expect(JSON.stringify(job.data)).not.toContain(WRONG_SECRET);
  });

  it("a custom bot's keyword check is reported as permanent with the fix", async () => {
    const ev = freshEvent("deploy-file", { subject: "keyword" });
    await bot.post(ev);
    const job = await failedJob(ev.id);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/19024.*keyword/);
  });

  it("a chat the bot is not in is permanent and names the fix", async () => {
    const ev = freshEvent("deploy-file", { subject: "outside" });
    await bot.post(ev);
    const job = await failedJob(ev.id);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain("230002");
    expect(job.failedReason).toContain("add the app's bot to the group");
    expect(job.failedReason).not.toContain(APP_SECRET);
  });

  it.each([
    ["HTTP 429 + 99991400 with x-ogw-ratelimit-reset: 2", { rateLimit: 2 }, 1950],
    ["HTTP 400 + 230020 (per-chat limit)", { code: 230020, msg: "frequency limit" }, 950],
  ])("waits out %s, then delivers exactly once", async (_name, script, minWaitMs) => {
    lark.script.push(script);
    const ev = freshEvent("freeze-instance", { subject: "ops" });
    const t0 = Date.now();
    await bot.post(ev);
    await waitFor(() => carrying(ev.id).length, "the throttled message");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(minWaitMs);
    await new Promise((r) => setTimeout(r, 200));
    expect(carrying(ev.id)).toHaveLength(1);
    expect(postsCarrying(ev.id)).toHaveLength(2);
  });

  it("waits out the custom bot's 11232 frequency limit", async () => {
    lark.script.push({ code: 11232, msg: "frequency limited psm" });
    const ev = freshEvent("unfreeze-instance", { subject: "hook" });
    const t0 = Date.now();
    await bot.post(ev);
    await waitFor(() => carrying(ev.id).length, "the custom-bot message");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(carrying(ev.id)).toHaveLength(1);
  });

  it("a timeout whose request did arrive is retried without a second message (uuid dedupe)", async () => {
    lark.script.push({ delayMs: 6500 }); // longer than the bot's 5 s timeout
    const ev = freshEvent("kill-instance", { subject: "ops" });
    await bot.post(ev);
    await waitFor(() => postsCarrying(ev.id).length >= 2, "the retry after the timeout", 20_000);
    // Past the delayed first request's answer: it reached the fake too, and must not add a second message.
    await new Promise((r) => setTimeout(r, 2500));
    expect(carrying(ev.id)).toHaveLength(1);
  });

  it("retries a 5xx, and refreshes a revoked token at once", async () => {
    lark.script.push({ status: 502 });
    const ev = freshEvent("rerun-instance", { subject: "ops" });
    await bot.post(ev);
    await waitFor(() => carrying(ev.id).length, "delivery after a 502");

    lark.revokeTokens();
    const before = lark.tokenRequests;
    const ev2 = freshEvent("set-instance-success", { subject: "ops" });
    await bot.post(ev2);
    await waitFor(() => carrying(ev2.id).length, "delivery with a fresh token");
    expect(lark.tokenRequests).toBe(before + 1);
    expect(carrying(ev2.id)).toHaveLength(1);
  });
});
