import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { dataWorksOnRedis } from "../helpers/dataworks-on-redis.js";
import { failedInstance, incidentConfig, preRerun } from "../helpers/incident-config.js";
import { sleep, waitFor } from "../helpers/wait.js";

const AK = "LTAI-incidents-console";
const SECRET = "incidents-console-secret";

/** The local console acts on failures like a chat: its clicks go to the same service, with a confirmation step. */
describe("incidents on the console", () => {
  const { dw } = dataWorksOnRedis(AK, SECRET);
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startTestBot(
      {
        destinations: { console: { platform: "console", locale: "zh-CN" } },
        ...incidentConfig(dw, { accessKeyId: AK, accessKeySecret: SECRET }, ["console"], {
          operators: { console: ["wang"] },
          leads: { console: ["lead"] },
        }),
      },
      { adapterDeps: { console: { print: () => undefined } } },
    );
  });
  afterAll(async () => {
    await bot?.close();
  });

  const click = async (actionId: string, value: string, user: string, input?: string) => {
    const res = await fetch(`${bot.url}/console/api/action`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ actionId, value, user, destination: "console", ...(input ? { input } : {}) }),
    });
    return (await res.json()) as { ok: boolean; text: string; needsInput?: { choices?: string[] } };
  };

  it("认领, then 重跑 asks for the confirming choice before one call; 置成功 refused outside its role", async () => {
    const id = String(730_000_000_000 + Math.floor(Math.random() * 1_000_000));
    dw.instanceOps.status.set(Number(id), "Failure");
    await bot.post(failedInstance(Number(id)));
    // Until the message is on the page there is nothing to click: the incident (or its route's actions) is not there yet.
    const ack = await waitFor(async () => {
      const r = await click("incident.ack", id, "wang");
      return r.text.includes("机器人不知道") || r.text.includes("你无权") ? undefined : r;
    }, "the incident and its route's actions");
    expect(ack).toMatchObject({ ok: true, text: expect.stringContaining("已认领") });
    const ask = await click("incident.rerun", id, "wang");
    expect(ask).toMatchObject({ ok: false, needsInput: { choices: ["重跑"] } });
    expect(ask.text).toContain(`实例 ${id}（业务日期`);
    expect(dw.callsOf("RerunTaskInstances")).toHaveLength(0);
    expect((await click("incident.rerun", id, "wang", "重跑")).ok).toBe(true);
    await waitFor(() => dw.callsOf("RerunTaskInstances").length === 1, "the rerun");
    expect((await click("incident.set-success", id, "wang", "置成功")).text).toContain("你无权");
  });

  let nextInstance = 731_000_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
  interface FeedEntry {
    kind: string;
    op?: "send" | "update";
    ref?: { ids: Record<string, string> };
    message?: { title: string; context?: string[]; actions?: unknown[] };
  }
  /** The console's feed entries (sends and updates) of messages that name `id`. */
  const feedOf = async (id: string) => {
    const { entries } = (await (await fetch(`${bot.url}/console/api/feed`)).json()) as { entries: FeedEntry[] };
    return entries.filter((e) => e.kind === "message" && JSON.stringify(e.message).includes(id));
  };
  /** A failed instance of a node of its own, on the page with its buttons (the first click that is not refused). */
  async function fail() {
    const n = nextInstance++;
    const id = String(n);
    const nodeId = 700_001_240_000 + (n % 100_000);
    dw.instanceOps.status.set(n, "Failure");
    expect((await bot.post(failedInstance(n, nodeId))).status).toBe(202);
    await waitFor(async () => (await feedOf(id)).some((e) => e.op === "send"), "the failure card on the page");
    return { n, id, nodeId };
  }
  /** Once the incident has its route's actions, the confirming choice is asked for (nothing called yet). */
  const askRerun = (id: string) =>
    waitFor(async () => {
      const r = await click("incident.rerun", id, "wang");
      return r.needsInput ? r : undefined;
    }, "the rerun's confirmation asked for");

  it("the whole chain: 重跑 confirmed → one call → the pre-rerun event answered OK without a card to decide → running → succeeded update the same card", async () => {
    const { n, id, nodeId } = await fail();
    await askRerun(id);
    const calls = dw.callsOf("RerunTaskInstances").length;
    expect((await click("incident.rerun", id, "wang", "重跑")).ok).toBe(true);
    await waitFor(() => dw.callsOf("RerunTaskInstances").length > calls, "the rerun");
    await sleep(300);
    const mine = dw.callsOf("RerunTaskInstances").slice(calls);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.params.Ids).toBe(`[${id}]`);

    const pre = preRerun([n]);
    expect((await bot.post(pre)).status).toBe(202);
    expect((await waitFor(() => dw.decisions.get(String(pre.id)), "the answer")).checkResult).toBe("OK");

    const failure = (await feedOf(id)).find((e) => e.op === "send");
    const sameCard = async () =>
      (await feedOf(id)).filter((e) => JSON.stringify(e.ref?.ids) === JSON.stringify(failure?.ref?.ids));
    expect((await bot.post(failedInstance(n, nodeId, 4))).status).toBe(202);
    await waitFor(async () => (await sameCard()).at(-1)?.message?.title.startsWith("运行中"), "the card: running");
    expect((await bot.post(failedInstance(n, nodeId, 6))).status).toBe(202);
    await waitFor(async () => (await sameCard()).at(-1)?.message?.title.startsWith("已恢复"), "the card: recovered");
    await sleep(300);
    const feed = await feedOf(id);
    const card = await sameCard();
    expect(card.map((e) => e.op)).toEqual(["send", ...card.slice(1).map(() => "update")]);
    expect(card.at(-1)?.message?.context?.at(-1)).toMatch(
      /^失败 \d\d:\d\d · wang 重跑 \d\d:\d\d · 运行中 \d\d:\d\d · 成功 \d\d:\d\d$/,
    );
    // Two messages in all: the failure's card, and the pre-event's answer as a record (approved, no buttons) —
    // no card to decide, and nothing new for the running or the recovery.
    const sent = feed.filter((e) => e.op === "send");
    expect(sent).toHaveLength(2);
    expect(sent[1]?.message).toMatchObject({ title: expect.stringMatching(/^已批准/), actions: [] });
  });

  it("three confirmed 重跑 clicks at once → one call", async () => {
    const { id } = await fail();
    await askRerun(id);
    const calls = dw.callsOf("RerunTaskInstances").length;
    const answers = await Promise.all([
      click("incident.rerun", id, "wang", "重跑"),
      click("incident.rerun", id, "wang", "重跑"),
      click("incident.rerun", id, "wang", "重跑"),
    ]);
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    await waitFor(() => dw.callsOf("RerunTaskInstances").length > calls, "the rerun");
    await sleep(500);
    const mine = dw.callsOf("RerunTaskInstances").slice(calls);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.params.Ids).toBe(`[${id}]`);
    expect(dw.instanceOps.applied.filter((a) => String(a.id) === id)).toHaveLength(1);
  });
});
