import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { startFakeDingTalk } from "../helpers/dingtalk-harness.js";
import { allFixtureNames, freshEvent } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/wait.js";

const CLIENT_ID = "dingabcdef0123456789";
const CLIENT_SECRET = "dingtalk-client-secret-0123";
const ROBOT_TOKEN = "robot-access-token-aaaa";
const ROBOT_SECRET = "SECrobot-signing-secret-0123";
const WRONG_SECRET = "SECnot-the-robot-secret";
const KEYWORD_TOKEN = "robot-access-token-kkkk";

const to = (subject: string) => ({ match: { subject: [subject] }, destinations: [subject] });

describe("POST /dataworks/events → DingTalk (real Redis, BullMQ, our OpenAPI/webhook client against a fake DingTalk)", () => {
  let ding: FakeDingTalk;
  let bot: TestBot;

  beforeAll(async () => {
    ding = await startFakeDingTalk(
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      {
        conversations: ["cidAll==", "cidOps=="],
        robots: { [ROBOT_TOKEN]: { secret: ROBOT_SECRET }, [KEYWORD_TOKEN]: { keywords: ["DataWorks-only"] } },
      },
    );
    const robot = (accessToken: string, secret?: string) => ({
      platform: "dingtalk",
      accessToken,
      webhookUrl: ding.webhookUrl,
      ...(secret ? { secret } : {}),
    });
    // A timeout a loaded machine cannot hit by accident: the counts below are exact. The timeout test scripts a
    // longer delay.
    bot = await startTestBot({
      dingtalk: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, apiUrl: ding.url, timeoutMs: 5000 },
      destinations: {
        all: { platform: "dingtalk", conversationId: "cidAll==", locale: "zh-CN" },
        ops: { platform: "dingtalk", conversationId: "cidOps==" },
        robot: robot(ROBOT_TOKEN, ROBOT_SECRET),
        badsig: robot(ROBOT_TOKEN, WRONG_SECRET),
        keyword: robot(KEYWORD_TOKEN),
        keyed: { ...robot(KEYWORD_TOKEN), keyword: "DataWorks-only" },
        unknown: { platform: "dingtalk", conversationId: "cidNotAMember==" },
      },
      routes: [
        to("ops"),
        to("robot"),
        to("badsig"),
        to("keyword"),
        to("keyed"),
        to("unknown"),
        { destinations: ["all"] },
      ],
    });
  });
  afterAll(async () => {
    await bot?.close();
    await ding?.stop();
  });

  const carrying = (id: unknown) => ding.messages.filter((m) => m.text.includes(String(id)));
  const sendsCarrying = (path: string, id: unknown) =>
    ding.calls.filter((c) => c.path === path && c.raw.includes(String(id)));
  const failedJob = (id: unknown) =>
    waitFor(
      async () => (await bot.runtime.queues.deliveries.getFailed()).find((j) => j.data.event.id === id),
      "the failed job",
    );

  it("delivers every fixture to the group as sampleMarkdown (one token for all)", async () => {
    const names = allFixtureNames();
    for (const name of names) expect((await bot.post(freshEvent(name))).status, name).toBe(202);
    await waitFor(() => ding.to("cidAll==").length >= names.length, `${names.length} DingTalk messages`, 20_000);
    expect(ding.to("cidAll==")).toHaveLength(names.length);
    expect(ding.tokenRequests).toBe(1);
    expect(ding.to("cidAll==").some((m) => m.title.includes("申请提交"))).toBe(true);
    expect(ding.to("cidAll==").some((m) => m.text.startsWith("#### 🔴"))).toBe(true);
  });

  it("posts to a signed custom robot", async () => {
    const ev = freshEvent("deploy-file", { subject: "robot" });
    await bot.post(ev);
    const msg = await waitFor(() => carrying(ev.id)[0], "the robot message");
    expect(msg.to).toBe(`robot:${ROBOT_TOKEN}`);
    expect(msg.msgtype).toBe("markdown");
  });

  it("a wrong signing secret fails once (310000), names the fix, and leaks no token or secret", async () => {
    const ev = freshEvent("deploy-file", { subject: "badsig" });
    await bot.post(ev);
    const job = await failedJob(ev.id);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain("310000");
    expect(job.failedReason).toContain("badsig");
    expect(job.failedReason).toMatch(/set the destination's secret/);
    for (const s of [WRONG_SECRET, ROBOT_SECRET, ROBOT_TOKEN, "access_token"])
      expect(job.failedReason).not.toContain(s);
    expect(JSON.stringify(job.data)).not.toContain(WRONG_SECRET);
  });

  it("a keyword check and an unknown group are permanent, with the fix", async () => {
    const k = freshEvent("deploy-file", { subject: "keyword" });
    const u = freshEvent("deploy-file", { subject: "unknown" });
    await bot.post(k);
    await bot.post(u);
    const kj = await failedJob(k.id);
    const uj = await failedJob(u.id);
    expect([kj.attemptsMade, uj.attemptsMade]).toEqual([1, 1]);
    expect(kj.failedReason).toMatch(/310000.*keyword/);
    expect(uj.failedReason).toMatch(/invalid\.openConversationId.*conversationId/);
  });

  it("a robot secured by a keyword gets it in every message (destination keyword), and accepts them", async () => {
    const events = [
      freshEvent("deploy-file", { subject: "keyed" }),
      freshEvent("instance-status-changes", { subject: "keyed" }),
    ];
    for (const ev of events) expect((await bot.post(ev)).status).toBe(202);
    for (const ev of events) {
      const msg = await waitFor(() => carrying(ev.id)[0], "the keyed robot's message");
      expect(msg.to).toBe(`robot:${KEYWORD_TOKEN}`);
      // Verbatim on the last line: a neutralised keyword (full-width look-alikes) would not match.
      expect(msg.text.endsWith("\n\nDataWorks-only")).toBe(true);
    }
  });

  it("130101 on a custom robot waits out the 10-minute ban, then sends exactly once", async () => {
    ding.script.push({ errcode: 130101, errmsg: "send too fast, exceed 20 times per minute" });
    const ev = freshEvent("kill-instance", { subject: "robot" });
    const t0 = Date.now();
    await bot.post(ev);
    const job = await waitFor(async () => {
      const delayed = await bot.runtime.queues.deliveries.getDelayed();
      return delayed.find((j) => j.data.event.id === ev.id);
    }, "the delivery parked for the ban");
    // BullMQ keeps the due time as the delayed set's score; it must be ~10 minutes out.
    const score = Number(await bot.runtime.redis.zscore(`${bot.prefix}:deliveries:delayed`, String(job.id)));
    const dueAt = Math.floor(score / 0x1000);
    expect(dueAt - t0).toBeGreaterThanOrEqual(10 * 60_000 - 1000);
    expect(dueAt - t0).toBeLessThan(10 * 60_000 + 5000);
    expect(carrying(ev.id)).toHaveLength(0);
    await job.promote(); // Stand-in for the 10 minutes passing.
    await waitFor(() => carrying(ev.id).length, "the message after the ban");
    await new Promise((r) => setTimeout(r, 200));
    expect(carrying(ev.id)).toHaveLength(1);
    expect(sendsCarrying("/robot/send", ev.id)).toHaveLength(2);
  });

  it("the fake's own 20/min limit bans the robot like DingTalk does", async () => {
    const fresh = new FakeDingTalk({
      ...{ appKey: "a", appSecret: "b", robotCode: "a", conversations: [] },
      robots: { t: {} },
    });
    await fresh.start();
    try {
      const send = () =>
        fetch(`${fresh.webhookUrl}?access_token=t`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ msgtype: "markdown", markdown: { title: "t", text: "x" } }),
        }).then((r) => r.json() as Promise<{ errcode: number }>);
      const codes = [];
      for (let i = 0; i < 22; i++) codes.push((await send()).errcode);
      expect(codes.slice(0, 20).every((c) => c === 0)).toBe(true);
      expect(codes.slice(20)).toEqual([130101, 130101]);
    } finally {
      await fresh.stop();
    }
  });

  it("403 QpsLimitForApi on the OpenAPI waits ~1 s, then sends exactly once", async () => {
    ding.script.push({ qpsLimit: true });
    const ev = freshEvent("freeze-instance", { subject: "ops" });
    const t0 = Date.now();
    await bot.post(ev);
    await waitFor(() => carrying(ev.id).length, "the throttled message");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    await new Promise((r) => setTimeout(r, 200));
    expect(carrying(ev.id)).toHaveLength(1);
    expect(sendsCarrying("/v1.0/robot/groupMessages/send", ev.id)).toHaveLength(2);
  });

  it("retries a 5xx and a timeout; refreshes a rejected token at once", async () => {
    ding.script.push({ status: 503 });
    const a = freshEvent("rerun-instance", { subject: "ops" });
    await bot.post(a);
    await waitFor(() => carrying(a.id).length, "delivery after a 503");

    ding.script.push({ status: 504 }, { delayMs: 6500 }); // longer than the bot's 5 s timeout
    const b = freshEvent("unfreeze-instance", { subject: "ops" });
    await bot.post(b);
    await waitFor(() => sendsCarrying("/v1.0/robot/groupMessages/send", b.id).length >= 3, "three attempts", 20_000);
    await waitFor(() => carrying(b.id).length, "delivery after a timeout");

    ding.revokeTokens();
    const before = ding.tokenRequests;
    const c = freshEvent("set-instance-success", { subject: "ops" });
    await bot.post(c);
    await waitFor(() => carrying(c.id).length, "delivery with a fresh token");
    expect(ding.tokenRequests).toBe(before + 1);
    expect(carrying(c.id)).toHaveLength(1);
  });
});
