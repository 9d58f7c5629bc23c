import { afterAll, beforeAll, describe } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { factsApprovals, factsDataWorks, factsScenarios } from "../helpers/facts-scenarios.js";

const TOKEN = "xoxb-approval-facts";
const SIGNING = "slack-signing-approval-facts";
const AK = "LTAI-facts-slack";
const SECRET = "dw-facts-slack-secret-01";
const CHANNELS = ["C0FACTSA", "C0FACTSB"];

/** Approval facts on Slack: the real WebClient against the fake Web API, the real DataWorks client against its fake. */
describe("approval facts on Slack: snapshot, diff, policies on the code, late facts", () => {
  let slack: FakeSlack;
  let dw: FakeDataWorks;
  let bot: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: CHANNELS });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([slack.start(), dw.start()]);
    bot = await startTestBot({
      slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
      dataworks: factsDataWorks(dw, AK, SECRET, "ext-facts-slack"),
      enrich: { enabled: false },
      destinations: {
        ops: { platform: "slack", channel: CHANNELS[0] },
        leads: { platform: "slack", channel: CHANNELS[1], locale: "zh-CN" },
      },
      approvals: factsApprovals(["ops", "leads"], { slack: ["U0ALICE"] }),
    });
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([slack?.stop(), dw?.stop()]);
  });

  factsScenarios({
    bot: () => bot,
    dw: () => dw,
    copies: 2,
    copyOf: (ref) => {
      const m = slack.messages.find((x) => x.channel === ref.ids.channel && x.ts === ref.ids.ts);
      return m && { updates: m.updates, body: JSON.stringify([m.text, m.blocks]) };
    },
  });
});
