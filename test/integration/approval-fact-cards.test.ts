/**
 * What approvers see (issue 16), end to end: a real bot on real Redis, the real Slack and Lark SDKs against their
 * fakes, DataWorks' real client against the fake gateway seeded with snapshots. The card shows the diff fitted to
 * each platform with its code defused, a huge change says how much is left out and links to the whole diff, and the
 * approval page shows that whole diff, escaped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeLark } from "../fakes/lark-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { FILE, PROJECT, seedCommit, V6 } from "../helpers/dataworks-seeds.js";
import { factsDataWorks } from "../helpers/facts-scenarios.js";
import { freshEvent } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-fact-cards";
const SIGNING = "slack-signing-fact-cards";
const APP_ID = "cli_factcards0123456a";
const APP_SECRET = "lark-app-secret-fact-cards";
const AK = "LTAI-fact-cards";
const SECRET = "dw-fact-cards-secret-01";
const CHANNEL = "C0FACTCARDS";
const CHAT = "oc_factcards000000000";
const PUBLIC = "https://chatops.example.com";

const HOSTILE = "SELECT '```' AS f, '<!channel>' AS c, '<script>alert(1)</script>' AS s, '<at id=all></at>' AS a;";

describe("approval cards show what is approved: Slack and Lark, the approval page", () => {
  let slack: FakeSlack;
  let lark: FakeLark;
  let dw: FakeDataWorks;
  let bot: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: [CHANNEL] });
    lark = new FakeLark({ appId: APP_ID, appSecret: APP_SECRET, chats: [CHAT] });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([slack.start(), lark.start(), dw.start()]);
    bot = await startTestBot({
      server: { publicUrl: PUBLIC },
      slack: { token: TOKEN, signingSecret: SIGNING, apiUrl: slack.apiUrl },
      lark: {
        appId: APP_ID,
        appSecret: APP_SECRET,
        domain: lark.url,
        encryptKey: "lark-encrypt-fact-cards",
        timeoutMs: 2000,
      },
      dataworks: factsDataWorks(dw, AK, SECRET, "ext-fact-cards"),
      enrich: { enabled: false },
      destinations: {
        ops: { platform: "slack", channel: CHANNEL },
        leads: { platform: "lark", chatId: CHAT, locale: "zh-CN" },
      },
      approvals: {
        deliveryBackoff: "50ms",
        snapshot: { budget: "2s" },
        routes: [
          {
            name: "prod",
            destinations: ["ops", "leads"],
            approvers: { users: { slack: ["U0ALICE"] } },
            timeout: "30m",
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([slack?.stop(), lark?.stop(), dw?.stop()]);
  });

  /** Post a commit (or deploy) of `content` and wait for both copies of its card. */
  async function commit(content: string, code = "commit-file") {
    const raw = freshEvent(code);
    const ev: Record<string, unknown> = { ...raw, data: { ...(raw.data as object), projectId: PROJECT, fileId: FILE } };
    seedCommit(dw, String(ev.id), content);
    expect((await bot.post(ev)).status).toBe(202);
    const store = bot.runtime.approvalStore;
    const id = await waitFor(() => store.idForEvent({ source: "acs.dataworks", id: String(ev.id) }), "the approval");
    return waitFor(async () => {
      const a = await store.get(id);
      const s = a?.cards.find((c) => c.adapter === "slack");
      const l = a?.cards.find((c) => c.adapter === "lark");
      const sm = s && slack.messages.find((m) => m.channel === s.ids.channel && m.ts === s.ids.ts);
      const lm = l && lark.messages.find((m) => m.message_id === l.ids.message_id);
      return sm && lm ? { id, slack: sm, lark: JSON.stringify(lm.card), larkMessage: lm } : undefined;
    }, "both copies of the card");
  }

  const diffBlock = (blocks: Array<Record<string, unknown>>) =>
    blocks
      .map((b) => (b.text as { text?: string } | undefined)?.text ?? "")
      .find((t) => t.startsWith("*Code change*")) ?? "";

  it("a commit: the diff on both cards, its code defused; the page shows the whole diff, escaped", async () => {
    const { id, slack: s, lark: l } = await commit(`${V6}${HOSTILE}\n`);
    const block = diffBlock(s.blocks);
    expect(block).toContain("ods_order_detail_di  ·  +1 \u22120");
    expect(block).toContain("+SELECT '`\u200b``' AS f, '&lt;!channel&gt;' AS c");
    expect(block.match(/```/g)).toHaveLength(2);
    expect(JSON.stringify(s.blocks)).toContain("*Compared with*\\nthe previous version (6)");
    // Lark (zh-CN): the code inside its fence, no tag left to parse, nothing to mention.
    expect(l).toContain("代码变更");
    expect(l).toContain("对比基准");
    expect(l).toContain("＜script>alert(1)＜/script>");
    expect(l).not.toMatch(/<at id=all>|<script/);

    const html = await (await fetch(`${bot.url}/approvals/${id}`)).text();
    // The page's title is the card's: the event's own, under the approval's state.
    expect(html).toMatch(/<h1>Approval needed: \S/);
    expect(html).toContain('id="diff"');
    expect(html).toContain("--- ods_order_detail_di\tversion 6 (previous)");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    const json = (await (
      await fetch(`${bot.url}/approvals/${id}`, { headers: { accept: "application/json" } })
    ).json()) as {
      facts: { fields: Array<{ label: string; value: string }>; diff: { summary: string; text: string } };
    };
    expect(json.facts.diff.summary).toBe("+1 \u22120");
    expect(json.facts.diff.text).toContain(`+${HOSTILE}`);
    expect(json.facts.fields).toContainEqual({ label: "Commit message", value: "filter out refunds" });
  });

  it("a huge change: each card fitted, saying how many changed lines it left out, linking to the whole diff", async () => {
    const huge = Array.from({ length: 3000 }, (_, i) => `SELECT ${i} AS n, '${"x".repeat(40)}' FROM t_${i};`).join(
      "\n",
    );
    const { id, slack: s, lark: l } = await commit(`${huge}\n`);
    const block = diffBlock(s.blocks);
    expect(block.length).toBeLessThanOrEqual(3000);
    expect(block).toMatch(
      new RegExp(`_\\d+ more changed lines_ — <${PUBLIC}/approvals/${id}#diff\\|see the whole diff>$`),
    );
    expect(l).toMatch(new RegExp(`另有 \\d+ 行变更未显示 — \\[查看完整差异\\]\\(${PUBLIC}/approvals/${id}#diff\\)`));
    const html = await (await fetch(`${bot.url}/approvals/${id}?lang=zh-CN`)).text();
    expect(html).toContain(`+SELECT 2999 AS n, &#39;${"x".repeat(40)}&#39; FROM t_2999;`);
  });

  it("a deploy: compared with the version in production, in each card's language", async () => {
    const { slack: s, lark: l } = await commit(`${V6}-- reviewed\n`, "deploy-file");
    expect(JSON.stringify(s.blocks)).toContain("*Compared with*\\nproduction (version 5)");
    expect(l).toContain("生产环境（版本 5）");
  });

  it("a slow snapshot: the card first says the details are loading, then the same card shows the diff", async () => {
    dw.script.push({ action: "GetIDEEventDetail", answer: { delayMs: 4000 } });
    const first = await commit(`${V6}-- late\n`);
    expect(first.slack.updates).toBe(0);
    expect(JSON.stringify(first.slack.blocks)).toContain("Loading the details (code, diff) from DataWorks");
    expect(diffBlock(first.slack.blocks)).toBe("");
    expect(first.lark).toContain("正在从 DataWorks 获取详情");
    await waitFor(() => first.slack.updates >= 1 && first.larkMessage.updates >= 1, "both copies updated", 15_000);
    expect(diffBlock(first.slack.blocks)).toContain("+-- late");
    expect(JSON.stringify(first.slack.blocks)).not.toContain("Loading the details");
    const lark = JSON.stringify(first.larkMessage.card);
    expect(lark).toContain("代码变更");
    expect(lark).not.toContain("正在从 DataWorks 获取详情");
  });
});
