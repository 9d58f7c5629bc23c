import { afterAll, beforeAll, describe } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import type { FakeDingTalk } from "../fakes/dingtalk-api.js";
import type { FakeDingTalkStream } from "../fakes/dingtalk-stream.js";
import type { TestBot } from "../helpers/bot.js";
import { startDingTalkBot, startDingTalkFakes } from "../helpers/dingtalk-harness.js";
import { factsApprovals, factsDataWorks, factsScenarios } from "../helpers/facts-scenarios.js";

const APP = { clientId: "dingfacts0123456789", clientSecret: "dingtalk-facts-secret" };
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
    ({ ding, gateway } = await startDingTalkFakes(APP, { conversations: [CID_OPS, CID_LEADS] }));
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await dw.start();
    bot = await startDingTalkBot(
      { ...APP, cardTemplateId: "tpl-facts.schema" },
      { ding, gateway },
      {
        dataworks: factsDataWorks(dw, AK, SECRET, "ext-facts-ding"),
        enrich: { enabled: false },
        destinations: {
          ops: { platform: "dingtalk", conversationId: CID_OPS },
          leads: { platform: "dingtalk", conversationId: CID_LEADS, locale: "zh-CN" },
        },
        approvals: factsApprovals(["ops", "leads"], { dingtalk: ["staff_alice"] }),
      },
    );
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
