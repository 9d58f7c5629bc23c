import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { seedCommit } from "../helpers/dataworks-seeds.js";
import { factsDataWorks, seededEvent } from "../helpers/facts-scenarios.js";
import { waitFor } from "../helpers/wait.js";

const AK = "LTAI-facts-config";
const SECRET = "dw-facts-config-secret-01";

const approvals = (snapshot: Record<string, unknown>) => ({
  snapshot,
  policies: [{ name: "no drops", when: { codeMatches: "DROP\\s+TABLE" }, decide: "block" }],
  routes: [{ name: "prod", destinations: ["console"], approvers: { users: { console: ["*"] } } }],
});

/** approvals.snapshot.enabled and the missing AccessKey: the card still goes out at once, saying why (or nothing). */
describe("approval facts: switched off, or no DataWorks credentials", () => {
  let dw: FakeDataWorks;
  let off: TestBot;
  let noKey: TestBot;

  beforeAll(async () => {
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await dw.start();
    const base = { destinations: { console: { platform: "console" } }, enrich: { enabled: false } };
    off = await startTestBot({
      ...base,
      dataworks: factsDataWorks(dw, AK, SECRET, "ext-facts-config"),
      approvals: approvals({ enabled: false }),
    });
    noKey = await startTestBot({ ...base, approvals: approvals({}) });
  });
  afterAll(async () => {
    await off?.close();
    await noKey?.close();
    await dw?.stop();
  });

  async function cardFor(bot: TestBot, ev: Record<string, unknown>) {
    expect((await bot.post(ev)).status).toBe(202);
    const id = await waitFor(
      () => bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) }),
      "the approval",
    );
    return waitFor(async () => {
      const a = await bot.runtime.approvalStore.get(id);
      return a?.cards.length ? a : undefined;
    }, "the card");
  }

  const dangerous = () => seededEvent("commit-file");

  it("enabled: false — no lookup, no facts, and a code policy cannot hold: people are asked", async () => {
    const ev = dangerous();
    seedCommit(dw, String(ev.id), "DROP TABLE x;\n");
    const a = await cardFor(off, ev);
    expect(a.facts).toBeUndefined();
    expect(a.state).toBe("pending");
    expect(dw.callsOf("GetIDEEventDetail")).toHaveLength(0);
  });

  it("no AccessKey: the facts are unavailable at once and say why", async () => {
    const t0 = Date.now();
    const a = await cardFor(noKey, dangerous());
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(a.facts).toEqual({
      status: "unavailable",
      reason: "no-credentials",
      why: "no DataWorks AccessKey is configured (dataworks.accessKeyId)",
      detail: "dataworks.accessKeyId",
    });
    expect(a.state).toBe("pending");
  });
});
