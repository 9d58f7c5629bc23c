import { afterAll, beforeAll, describe } from "vitest";
import { createDingTalkAdapter } from "../../adapters/dingtalk/index.js";
import type { ChatAdapter } from "../../src/core/chat-adapter.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import { FakeDingTalkStream } from "../fakes/dingtalk-stream.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { factsApprovals, factsDataWorks, factsScenarios } from "../helpers/facts-scenarios.js";
import { waitFor } from "../helpers/wait.js";

const CLIENT_ID = "dingfacts0123456789";
const CLIENT_SECRET = "dingtalk-facts-secret";
const CID_OPS = "cidFactsOps==";
const CID_LEADS = "cidFactsLeads==";
const AK = "LTAI-facts-ding";
const SECRET = "dw-facts-ding-secret-01";

/**
 * Approval facts on DingTalk: interactive cards through the fake OpenAPI (the Stream connection up, as in
 * production), DataWorks' real client against its fake.
 */
describe("approval facts on DingTalk: snapshot, diff, policies on the code, late facts", () => {
  let ding: FakeDingTalk;
  let gateway: FakeDingTalkStream;
  let dw: FakeDataWorks;
  let bot: TestBot;

  beforeAll(async () => {
    ding = new FakeDingTalk({
      appKey: CLIENT_ID,
      appSecret: CLIENT_SECRET,
      robotCode: CLIENT_ID,
      conversations: [CID_OPS, CID_LEADS],
    });
    gateway = new FakeDingTalkStream({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([ding.start(), gateway.start(), dw.start()]);
    const dingtalk = {
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      apiUrl: ding.url,
      oapiUrl: ding.url,
      streamUrl: gateway.url,
      cardTemplateId: "tpl-facts.schema",
      timeoutMs: 2000,
    };
    const adapter = createDingTalkAdapter({
      app: dingtalk,
      timeoutMs: 2000,
      stream: { backoff: { initialMs: 100, maxMs: 800 } },
    }) as ChatAdapter;
    bot = await startTestBot(
      {
        dingtalk,
        dataworks: factsDataWorks(dw, AK, SECRET, "ext-facts-ding"),
        enrich: { enabled: false },
        destinations: {
          ops: { platform: "dingtalk", conversationId: CID_OPS },
          leads: { platform: "dingtalk", conversationId: CID_LEADS, locale: "zh-CN" },
        },
        approvals: factsApprovals(["ops", "leads"], { dingtalk: ["staff_alice"] }),
      },
      { adapters: new Map([["dingtalk", adapter]]) },
    );
    await waitFor(() => gateway.sockets.length === 1, "the Stream connection");
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([ding?.stop(), gateway?.stop(), dw?.stop()]);
  });

  factsScenarios({
    bot: () => bot,
    dw: () => dw,
    copies: 2,
    copyOf: (ref) => {
      const c = ding.cards.find((x) => x.outTrackId === ref.ids.outTrackId);
      return c && { updates: c.updates, body: JSON.stringify(c.cardParamMap) };
    },
  });
});
