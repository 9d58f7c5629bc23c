/**
 * slack.recoverLostPosts: a chat.postMessage that Slack made but whose answer never came (a client timeout) is
 * found in the channel's history on retry instead of being posted twice. Real WebClient, fake Slack that holds
 * the answer after making the message, as a slow Slack would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-lost-posts";

describe("Slack posts whose answer was lost", () => {
  let slack: FakeSlack;
  let noScope: FakeSlack;
  const bots: TestBot[] = [];
  const start = async (fake: FakeSlack, recoverLostPosts: boolean) => {
    const bot = await startTestBot({
      slack: { token: TOKEN, apiUrl: fake.apiUrl, timeoutMs: 500, recoverLostPosts },
      destinations: { ops: { platform: "slack", channel: "C0OPS" } },
      routes: [{ name: "all", destinations: ["ops"] }],
    });
    bots.push(bot);
    return bot;
  };
  let recovering: TestBot;
  let plain: TestBot;
  let withoutScope: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: ["C0OPS"] });
    noScope = new FakeSlack({ token: TOKEN, channels: ["C0OPS"], history: false });
    await Promise.all([slack.start(), noScope.start()]);
    recovering = await start(slack, true);
    plain = await start(slack, false);
    withoutScope = await start(noScope, true);
  });
  afterAll(async () => {
    for (const b of bots) await b.close();
    await Promise.all([slack?.stop(), noScope?.stop()]);
  });

  const about = (fake: FakeSlack, id: string) => fake.messages.filter((m) => JSON.stringify(m.blocks).includes(id));
  const historyCalls = (fake: FakeSlack) => fake.calls.filter((c) => c.path.endsWith("conversations.history"));

  /** Post an event whose first chat.postMessage is made by Slack but answered after the client's timeout. */
  async function lostAnswer(fake: FakeSlack, bot: TestBot, late: "answer" | "body" = "answer") {
    fake.script.push(late === "answer" ? { holdAnswerMs: 1_500 } : { holdBodyMs: 1_500 });
    const ev = freshEvent("instance-status-changes");
    expect((await bot.post(ev)).status).toBe(202);
    const id = String(ev.id);
    await waitFor(async () => (await bot.runtime.refs.list(id)).length === 1, "the delivery done", 20_000);
    await sleep(1_500); // the held answer arrives; nothing else may be posted
    return { id, ref: (await bot.runtime.refs.list(id))[0] };
  }

  it("finds the message by its metadata key and posts nothing twice", async () => {
    const before = historyCalls(slack).length;
    const { id, ref } = await lostAnswer(slack, recovering);
    const posted = about(slack, id);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.metadata).toMatchObject({ event_type: "dw_chatops_post" });
    expect(ref?.ids.ts).toBe(posted[0]?.ts);
    const lookups = historyCalls(slack).slice(before);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]?.body).toMatchObject({ channel: "C0OPS", include_all_metadata: "true" });
  });

  it("finds it too when the timeout falls after the answer's headers, mid-body", async () => {
    // The client's timeout covers the body: Slack answered 200, so the message exists and the retry looks first.
    const { id, ref } = await lostAnswer(slack, recovering, "body");
    const posted = about(slack, id);
    expect(posted).toHaveLength(1);
    expect(ref?.ids.ts).toBe(posted[0]?.ts);
  });

  it("finds it past the first page of history when the channel was busy in between", async () => {
    slack.script.push({ holdAnswerMs: 1_500 });
    const ev = freshEvent("instance-status-changes");
    const id = String(ev.id);
    await recovering.post(ev);
    const lost = await waitFor(() => about(slack, id)[0], "the post Slack made");
    // 450 newer messages land before the retry looks (two pages and more of 200).
    const t = Number(lost.ts.split(".")[0]);
    for (let i = 0; i < 450; i++)
      slack.messages.push({
        channel: "C0OPS",
        ts: `${t + 1}.${String(900_000 + i)}`,
        text: "x",
        blocks: [],
        updates: 0,
      });
    await waitFor(async () => (await recovering.runtime.refs.list(id)).length === 1, "the delivery done", 20_000);
    await sleep(1_500);
    expect(about(slack, id)).toHaveLength(1);
    expect((await recovering.runtime.refs.list(id))[0]?.ids.ts).toBe(lost.ts);
  });

  it("without the option a lost answer means a second message (why the option exists)", async () => {
    const { id } = await lostAnswer(slack, plain);
    expect(about(slack, id)).toHaveLength(2);
    expect(about(slack, id).every((m) => m.metadata === undefined)).toBe(true);
  });

  it("without channels:history it posts again rather than failing the delivery", async () => {
    const { id, ref } = await lostAnswer(noScope, withoutScope);
    expect(about(noScope, id)).toHaveLength(2);
    expect(ref?.ids.ts).toBe(about(noScope, id)[1]?.ts);
    expect(historyCalls(noScope)).toHaveLength(1);
  });

  it("looks nothing up after an answer that says no message was made (429, errors)", async () => {
    const before = historyCalls(slack).length;
    slack.script.push({ rateLimit: 1 });
    const ev = freshEvent("instance-status-changes");
    await recovering.post(ev);
    await waitFor(async () => (await recovering.runtime.refs.list(String(ev.id))).length === 1, "delivered", 20_000);
    expect(about(slack, String(ev.id))).toHaveLength(1);
    expect(historyCalls(slack).length).toBe(before);
  });
});
