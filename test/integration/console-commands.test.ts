/**
 * The local console's command box and its words, over real HTTP against a real bot and Redis: the box runs the
 * chat command handler with the same rules (approvers, commands.roles), and the page's words and times follow
 * the console destination's language and templates.timeZone. The browser test drives the page itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDiff, type Message } from "../../src/core/message.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/wait.js";

const ZONED = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(UTC\+08:00\)$/;

interface Feed {
  entries: Array<{ kind: string; time: string }>;
  audit: Array<{ approvalId: string; text: string; detail?: string }>;
  pending: number;
  pendingText: string;
  words?: Record<string, string>;
  locale?: string;
}

describe("console command box and words (zh-CN console)", () => {
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startTestBot(
      {
        destinations: { console: { platform: "console", locale: "zh-CN" } },
        routes: [{ name: "all", destinations: ["console"] }],
        approvals: {
          routes: [{ name: "local", destinations: ["console"], approvers: { users: { console: ["bob"] } } }],
        },
        commands: { roles: { mute: { users: { console: ["lead"] } } } },
      },
      { adapterDeps: { console: { print: () => undefined } } },
    );
  });
  afterAll(async () => {
    await bot?.close();
  });

  const feed = async (after?: string) =>
    (await (await fetch(`${bot.url}/console/api/feed${after ? `?after=${after}` : ""}`)).json()) as Feed;
  const command = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${bot.url}/console/api/command`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
  const ask = async (user: string, text: string) => {
    const res = await command({ user, text });
    expect(res.status).toBe(200);
    return (await res.json()) as { message: Message; time: string };
  };
  const textOf = (m: Message) =>
    [m.title, ...m.fields.map((f) => f.value), ...m.sections.map((s) => (isDiff(s) ? "" : s.text))].join("\n");

  it("speaks the console's language: page words, a singular pending count, times in templates.timeZone", async () => {
    const first = await feed();
    expect(first.locale).toBe("zh-CN");
    expect(first.words?.commandRun).toBe("执行");
    expect(first.pendingText).toBe("没有待审批");
    const ev = freshEvent("commit-file");
    await bot.post(ev);
    const f = await waitFor(async () => {
      const x = await feed();
      return x.pending === 1 && x.entries.length > 0 ? x : undefined;
    }, "the approval card");
    expect(f.pendingText).toBe("1 个待审批");
    for (const e of f.entries) expect(e.time).toMatch(ZONED);
    const card = await waitFor(
      async () => (await bot.runtime.approvalStore.pending(10))[0],
      "the pending approval in the store",
    );
    // "Who may decide" on the card the console shows says the approvers, in Chinese, never config syntax.
    const msg = (await feed()).entries.find((e) => e.kind === "message") as unknown as { message: Message };
    expect(msg.message.fields.find((x) => x.label === "审批人")?.value).toBe("console: bob");
    expect(card.id).toBeTruthy();
  });

  it("runs pending, approve and audit through the chat command handler, with the route's approvers", async () => {
    const [a] = await bot.runtime.approvalStore.pending(10);
    if (!a) throw new Error("no pending approval");
    const pending = await ask("carol", "待审批");
    expect(pending.message.title).toBe("待审批（1）");
    expect(textOf(pending.message)).toContain(a.id);
    expect(pending.time).toMatch(ZONED);

    // carol is not an approver of the route: refused exactly as in chat.
    const refused = await ask("carol", `批准 ${a.id}`);
    expect(textOf(refused.message)).toContain("你不是该审批（local）的审批人");
    expect((await bot.runtime.approvalStore.get(a.id))?.state).toBe("pending");

    const approved = await ask("bob", `approve ${a.id}`);
    expect(textOf(approved.message)).toMatch(/已批准/);
    expect((await bot.runtime.approvalStore.get(a.id))?.decision?.by).toMatchObject({
      kind: "human",
      platform: "console",
      userId: "bob",
    });
    const f = await waitFor(async () => {
      const x = await feed();
      return x.audit.some((e) => e.approvalId === a.id && e.text.startsWith("DataWorks")) ? x : undefined;
    }, "the audit entries");
    const decision = f.audit.find((e) => e.approvalId === a.id && !e.text.startsWith("DataWorks"));
    expect(decision?.text).toMatch(/^bob 于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(UTC\+08:00\) 批准$/);
    expect(f.pendingText).toBe("没有待审批");

    const audit = await ask("carol", "审计 5");
    expect(audit.message.title).toMatch(/^最近的审批决定/);
    expect(textOf(audit.message)).toContain("bob");
  });

  it("mute needs commands.roles.mute with a console user id, as on every platform", async () => {
    const refused = await ask("carol", "mute status=failed for 10m load test");
    expect(textOf(refused.message)).toContain("你无权静音");
    const muted = await ask("lead", "mute status=failed for 10m load test");
    expect(muted.message.title).toMatch(/已静音/);
    expect((await bot.runtime.mutes.active()).length).toBe(1);
  });

  it("refuses what the page never sends: another origin, a form, a missing name or command", async () => {
    expect((await command({ user: "bob", text: "pending" }, { origin: "http://evil.example" })).status).toBe(403);
    const form = await fetch(`${bot.url}/console/api/command`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ user: "bob", text: "pending" }),
    });
    expect(form.status).toBe(415);
    expect((await command({ user: "bob" })).status).toBe(400);
    expect((await command({ user: " ", text: "pending" })).status).toBe(400);
    expect((await command({ user: "bob", text: "x".repeat(501) })).status).toBe(400);
  });
});
