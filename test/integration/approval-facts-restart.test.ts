import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { factsJobId } from "../../src/jobs/queues.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { seedCommit } from "../helpers/dataworks-seeds.js";
import { factsApprovals, factsDataWorks, seededEvent } from "../helpers/facts-scenarios.js";
import { testPrefix } from "../helpers/redis.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-facts-restart";
const AK = "LTAI-facts-restart";
const SECRET = "dw-facts-restart-secret";
const CHANNEL = "C0FACTSR";

/**
 * A snapshot that comes past the budget is stored by a job in Redis, not by a promise in the process that posted the
 * card: a bot stopped before the job ran, and a new one on the same Redis, still fill the card in.
 */
describe("approval facts: the late-facts job survives a restart", () => {
  let slack: FakeSlack;
  let dw: FakeDataWorks;
  const prefix = testPrefix();
  let first: TestBot | undefined;
  let second: TestBot | undefined;
  const config = () => ({
    slack: { token: TOKEN, signingSecret: "facts-restart-signing", apiUrl: slack.apiUrl },
    dataworks: factsDataWorks(dw, AK, SECRET, "ext-facts-restart"),
    enrich: { enabled: false },
    destinations: { ops: { platform: "slack", channel: CHANNEL } },
    approvals: factsApprovals(["ops"], { slack: ["U0ALICE"] }),
  });

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: [CHANNEL] });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([slack.start(), dw.start()]);
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await Promise.all([slack?.stop(), dw?.stop()]);
  });

  it("the card goes out loading; the bot stops before the job runs; the next one stores the facts and updates it", async () => {
    first = await startTestBot(config(), { prefix, keepKeys: true });
    // Hold the approvals queue: the facts job waits in Redis (as it would for a process that died).
    await first.runtime.queues.approvals.pause();
    const ev = seededEvent("commit-file");
    seedCommit(dw, String(ev.id));
    dw.script.push({ action: "GetIDEEventDetail", answer: { delayMs: 3000 } });
    expect((await first.post(ev)).status).toBe(202);
    const store = first.runtime.approvalStore;
    const id = await waitFor(() => store.idForEvent({ source: "acs.dataworks", id: String(ev.id) }), "the approval");
    const posted = await waitFor(async () => {
      const a = await store.get(id);
      return a?.cards.length ? a : undefined;
    }, "the card");
    expect(posted.facts).toEqual({ status: "loading" });
    expect(await (await first.runtime.queues.approvals.getJob(factsJobId(id)))?.getState()).toBe("waiting");
    await first.close();
    first = undefined;

    second = await startTestBot(config(), { prefix });
    await second.runtime.queues.approvals.resume();
    const settled = await waitFor(async () => {
      const a = await second!.runtime.approvalStore.get(id);
      return a?.facts?.status === "ok" ? a : undefined;
    }, "the facts, stored by the new bot");
    expect(settled.facts).toMatchObject({ facts: { diff: { summary: "+2 \u22121" } } });
    const ref = settled.cards[0]!;
    const copy = () => slack.messages.find((m) => m.channel === ref.ids.channel && m.ts === ref.ids.ts);
    await waitFor(() => copy()?.updates === 1, "the card updated");
    await sleep(500);
    expect(copy()?.updates).toBe(1);
  });
});
