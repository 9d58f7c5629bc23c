/**
 * What approvers see on DingTalk (issue 16): interactive cards through the fake OpenAPI with the Stream connection
 * up, DataWorks' real client against its fake. The card's markdown carries the diff as quoted lines (DingTalk's
 * markdown has no code block), its code defused; a huge change is fitted and links to the whole diff.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import type { FakeDingTalk } from "../fakes/dingtalk-api.js";
import type { FakeDingTalkStream } from "../fakes/dingtalk-stream.js";
import type { TestBot } from "../helpers/bot.js";
import { FILE, PROJECT, seedCommit, V6 } from "../helpers/dataworks-seeds.js";
import { startDingTalkBot, startDingTalkFakes } from "../helpers/dingtalk-harness.js";
import { factsDataWorks } from "../helpers/facts-scenarios.js";
import { freshEvent } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/wait.js";

const APP = { clientId: "dingfactcards012345", clientSecret: "dingtalk-fact-cards-secret" };
const CID = "cidFactCards==";
const AK = "LTAI-fact-cards-ding";
const SECRET = "dw-fact-cards-ding-secret";
const PUBLIC = "https://chatops.example.com";

describe("approval cards show what is approved: DingTalk", () => {
  let ding: FakeDingTalk;
  let gateway: FakeDingTalkStream;
  let dw: FakeDataWorks;
  let bot: TestBot;

  beforeAll(async () => {
    ({ ding, gateway } = await startDingTalkFakes(APP, { conversations: [CID] }));
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await dw.start();
    bot = await startDingTalkBot(
      { ...APP, cardTemplateId: "tpl-fact-cards.schema" },
      { ding, gateway },
      {
        server: { publicUrl: PUBLIC },
        dataworks: factsDataWorks(dw, AK, SECRET, "ext-fact-cards-ding"),
        enrich: { enabled: false },
        destinations: { ops: { platform: "dingtalk", conversationId: CID, locale: "zh-CN" } },
        approvals: {
          deliveryBackoff: "50ms",
          snapshot: { budget: "2s" },
          routes: [
            {
              name: "prod",
              destinations: ["ops"],
              approvers: { users: { dingtalk: ["staff_alice"] } },
              timeout: "30m",
            },
          ],
        },
      },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([ding?.stop(), gateway?.stop(), dw?.stop()]);
  });

  /** Post a commit of `content`; the card's markdown once it is delivered. */
  async function commit(content: string) {
    const raw = freshEvent("commit-file");
    const ev: Record<string, unknown> = { ...raw, data: { ...(raw.data as object), projectId: PROJECT, fileId: FILE } };
    seedCommit(dw, String(ev.id), content);
    expect((await bot.post(ev)).status).toBe(202);
    const store = bot.runtime.approvalStore;
    const id = await waitFor(() => store.idForEvent({ source: "acs.dataworks", id: String(ev.id) }), "the approval");
    const markdown = await waitFor(async () => {
      const ref = (await store.get(id))?.cards[0];
      return ref && ding.cards.find((c) => c.outTrackId === ref.ids.outTrackId)?.cardParamMap.markdown;
    }, "the card");
    return { id, markdown };
  }

  it("a commit: the diff as quoted lines, its code defused (no @, no tags, no fences)", async () => {
    const { markdown } = await commit(`${V6}SELECT '\`\`\`' AS f, '<at id=all></at>' AS a, '@all' AS b;\n`);
    expect(markdown).toContain("**代码变更**  ·  ods_order_detail_di  ·  +1 −0");
    expect(markdown).toContain("**对比基准**: 上一版本（6）");
    const added = markdown.split("\n\n").filter((l) => l.startsWith("> ＋ "));
    expect(added).toEqual(["> ＋ SELECT '｀｀｀' AS f, '＜at id=all＞＜/at＞' AS a, '＠all' AS b;"]);
  });

  it("a huge change: fitted, saying how many changed lines are left out, linking to the whole diff", async () => {
    const huge = Array.from({ length: 3000 }, (_, i) => `SELECT ${i} AS n FROM t_${i};`).join("\n");
    const { id, markdown } = await commit(`${huge}\n`);
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(10_000);
    expect(markdown).toMatch(
      new RegExp(`另有 \\d+ 行变更未显示 — \\[查看完整差异\\]\\(${PUBLIC}/approvals/${id}#diff\\)`),
    );
  });
});
