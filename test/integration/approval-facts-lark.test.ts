import { afterAll, beforeAll, describe } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeLark } from "../fakes/lark-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { factsApprovals, factsDataWorks, factsScenarios } from "../helpers/facts-scenarios.js";

const APP_ID = "cli_facts0123456789a";
const APP_SECRET = "lark-app-secret-facts";
const ENCRYPT_KEY = "lark-encrypt-key-facts-0123";
const CHAT_OPS = "oc_factsops00000000000";
const CHAT_LEADS = "oc_factsleads000000000";
const AK = "LTAI-facts-lark";
const SECRET = "dw-facts-lark-secret-01";

/** Approval facts on Lark: the real node-sdk client against the fake Open API, DataWorks' real client against its fake. */
describe("approval facts on Lark: snapshot, diff, policies on the code, late facts", () => {
  let lark: FakeLark;
  let dw: FakeDataWorks;
  let bot: TestBot;

  beforeAll(async () => {
    lark = new FakeLark({ appId: APP_ID, appSecret: APP_SECRET, chats: [CHAT_OPS, CHAT_LEADS] });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([lark.start(), dw.start()]);
    bot = await startTestBot({
      lark: { appId: APP_ID, appSecret: APP_SECRET, domain: lark.url, encryptKey: ENCRYPT_KEY, timeoutMs: 2000 },
      dataworks: factsDataWorks(dw, AK, SECRET, "ext-facts-lark"),
      enrich: { enabled: false },
      destinations: {
        ops: { platform: "lark", chatId: CHAT_OPS },
        leads: { platform: "lark", chatId: CHAT_LEADS, locale: "zh-CN" },
      },
      approvals: factsApprovals(["ops", "leads"], { lark: ["ou_alice"] }),
    });
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([lark?.stop(), dw?.stop()]);
  });

  factsScenarios({
    bot: () => bot,
    dw: () => dw,
    copies: 2,
    copyOf: (ref) => {
      const m = lark.messages.find((x) => x.message_id === ref.ids.message_id);
      return m && { updates: m.updates, body: JSON.stringify(m.card) };
    },
  });
});
