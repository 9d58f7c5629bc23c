import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { dataWorksOnRedis } from "../helpers/dataworks-on-redis.js";
import { failedInstance, incidentConfig } from "../helpers/incident-config.js";
import { waitFor } from "../helpers/wait.js";

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
});
