/**
 * The local console in a real headless browser (Debian's chromium driven by playwright-core; no browser is
 * ever downloaded). The bot runs with the local defaults' destinations, routes and approval route, against
 * the real Redis: the page must render what the console destination received and its buttons must run the
 * real approval flow down to the local stand-in.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalCard } from "../../src/approvals/card.js";
import { localDefaults, parseConfig } from "../../src/config/load-config.js";
import { ConsoleFeed } from "../../src/console/feed.js";
import { approvalWith, factCases } from "../helpers/approval-facts.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/wait.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

describe("local console in headless chromium", () => {
  let bot: TestBot;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`,
      );
    const d = localDefaults();
    bot = await startTestBot(
      { destinations: d.destinations, routes: d.routes, approvals: d.approvals },
      { adapterDeps: { console: { print: () => undefined } } },
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    page = await browser.newPage();
    // CSP violations and script errors show up here; the page must have none.
    page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await bot?.close();
  });

  it("shows a rendered failure as the console destination received it, values as text only", async () => {
    const hostile = freshEvent("instance-status-changes");
    (hostile.data as Record<string, unknown>).nodeId = '<img src=x onerror="window.__pwned=1">';
    expect((await bot.post(freshEvent("instance-status-changes"))).status).toBe(202);
    expect((await bot.post(hostile)).status).toBe(202);
    await page.goto(`${bot.url}/console`);
    const failure = page.locator("article.card.sev-danger", { hasText: "Failed" }).first();
    await failure.waitFor({ timeout: 10_000 });
    expect(await failure.locator("h3").textContent()).toMatch(/Failed/);
    expect(await failure.locator("dt").allTextContents()).toContain("Status");
    // The hostile node id is shown as the text it is, never as markup.
    await page.locator("article.card h3", { hasText: "<img src=x" }).waitFor();
    expect(await page.locator("article.card img").count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator("#standin-banner").isVisible()).toBe(true);
  });

  it("shows every time in the configured zone, as the card bodies do, never the browser's own format", async () => {
    // templates.timeZone defaults to Asia/Shanghai; the browser runs in whatever zone this machine has.
    const zoned = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(UTC\+08:00\)$/;
    const headerTimes = await page.locator("article.card .meta .time").allTextContents();
    expect(headerTimes.length).toBeGreaterThan(0);
    for (const t of headerTimes) expect(t).toMatch(zoned);
    const failure = page.locator("article.card.sev-danger", { hasText: "Failed" }).first();
    const bodyTimes = (await failure.locator("dd").allTextContents()).filter((v) => /\d{2}:\d{2}:\d{2}/.test(v));
    expect(bodyTimes.length).toBeGreaterThan(0);
    for (const t of bodyTimes) expect(t).toContain("(UTC+08:00)");
  });

  it("Approve on a card runs the approval flow: the card updates, the audit and the stand-in record it", async () => {
    const ev = freshEvent("commit-file");
    await bot.post(ev);
    const card = page.locator('article.card[data-kind="approval:commit-file"]').first();
    await card.waitFor({ timeout: 10_000 });
    // Words for people, not config syntax or a wrong plural.
    expect(await card.locator("dt", { hasText: "Who may decide" }).locator("+ dd").textContent()).toBe("anyone");
    await expect.poll(() => page.locator("#status").textContent()).toMatch(/· 1 pending approval$/);
    await card.getByRole("button", { name: "Approve" }).click();
    // No name typed yet: the page asks for one and nothing is decided.
    expect(await card.locator(".reply").textContent()).toMatch(/Type your name/);
    await page.fill("#user", "alice");
    await card.getByRole("button", { name: "Approve" }).click();
    await page.locator(".reply.ok", { hasText: "Approved" }).waitFor();

    const updated = page.locator('article.card[data-kind="approval:commit-file"]', { hasText: "Approved:" });
    await updated.waitFor({ timeout: 10_000 });
    await expect.poll(() => updated.first().locator(".updated").count()).toBeGreaterThan(0);
    expect(await updated.first().getByRole("button").count()).toBe(0);
    await page.locator("#audit-list li", { hasText: "Approved by alice at" }).waitFor();
    expect(await page.locator("#audit-list").textContent()).not.toMatch(/\bOK by\b/);
    await page.locator("#standin-list li", { hasText: "UpdateIDEEventResult OK" }).waitFor();
    expect(await page.locator("#standin-list").textContent()).toContain(String(ev.id));

    const id = await bot.runtime.approvalStore.idForEvent({ source: String(ev.source), id: String(ev.id) });
    const a = await waitFor(async () => {
      const x = await bot.runtime.approvalStore.get(id ?? "");
      return x?.dataworks?.status === "accepted" ? x : undefined;
    }, "the decision accepted by the stand-in");
    expect(a.decision).toMatchObject({ result: "OK", by: { kind: "human", platform: "console", name: "alice" } });
    expect(a.dataworks?.requestId).toBe("local-stand-in");
    const audit = await bot.runtime.approvalStore.auditLog(10);
    expect(
      audit.some((e) => e.approvalId === id && e.decision?.by.kind === "human" && e.decision.by.name === "alice"),
    ).toBe(true);
  });

  it("shows an approval card's diff: coloured lines as text, how many changed lines are left out, the whole-diff link", async () => {
    const c = factCases()["commit-file.huge"]!;
    const config = parseConfig({ server: { publicUrl: "https://chatops.example.com" } }, {});
    const message = { ...approvalCard(approvalWith(c.fixture, c.facts), "en", bot.runtime.templates, config) };
    message.kind = "approval:facts-diff";
    const ref = { adapter: "console", destination: "console", ids: { id: "facts-diff" } };
    await new ConsoleFeed(bot.runtime.redis, bot.prefix).append({
      kind: "message",
      op: "send",
      ref,
      message,
      at: Date.now(),
    });
    const card = page.locator('article.card[data-kind="approval:facts-diff"]');
    await card.waitFor({ timeout: 10_000 });
    expect(await card.locator("h4", { hasText: "Code change" }).textContent()).toBe(
      "Code change · ods_order_detail_di · +400 \u2212400",
    );
    expect(await card.locator("pre.diff span.hunk").first().textContent()).toBe("@@ -1,400 +1,400 @@");
    expect(await card.locator("pre.diff span.del").count()).toBeGreaterThan(10);
    expect(await card.textContent()).toMatch(/\d+ more changed lines/);
    const link = card.locator("a", { hasText: "see the whole diff" });
    expect(await link.getAttribute("href")).toBe("https://chatops.example.com/approvals/AbCdEfGhIjKlMnOpQrStUv#diff");
    expect(pageErrors).toEqual([]);
  });

  it("Block asks for a reason first, then blocks with it", async () => {
    await bot.post(freshEvent("deploy-file"));
    const card = page.locator('article.card[data-kind="approval:deploy-file"]').first();
    await card.waitFor({ timeout: 10_000 });
    await card.getByRole("button", { name: "Block" }).click();
    const reason = card.locator(".ask input");
    await reason.waitFor();
    await reason.fill("Outside the release window");
    await card.locator(".ask button").click();
    await page.locator('article.card[data-kind="approval:deploy-file"]', { hasText: "Blocked:" }).waitFor();
    await page.locator("#audit-list li", { hasText: "Blocked by alice at" }).waitFor();
    await page.locator("#audit-list li .ctx", { hasText: "Outside the release window" }).first().waitFor();
    await page.locator("#standin-list li", { hasText: "UpdateIDEEventResult FAIL" }).waitFor();
  });

  it("the audit entry links to the read-only status page", async () => {
    const link = page.locator("#audit-list li a").first();
    const href = await link.getAttribute("href");
    expect(href).toMatch(/^\/approvals\/[A-Za-z0-9_-]{20,}$/);
    const status = await browser.newPage();
    await status.goto(`${bot.url}${href}`);
    expect(await status.locator("h1").textContent()).toMatch(/^(Approved|Blocked):/);
    expect(await status.locator("table").textContent()).toContain("console: anyone");
    await status.close();
  });

  it("the command box runs the chat commands (recent, pending, show, audit) and shows the answer on the page", async () => {
    const ask = async (text: string) => {
      await page.fill("#command-text", text);
      await page.locator("#command-form button").click();
      const answer = page.locator("#command-answer article.card", { hasText: `> ${text}` });
      await answer.waitFor();
      return answer;
    };
    const recent = await ask("recent 5");
    expect(await recent.locator("h3").textContent()).toMatch(/^Recent events \(\d+\)$/);
    expect(await recent.textContent()).toContain("Failed");
    const pending = await ask("pending");
    expect(await pending.locator("h3").textContent()).toMatch(/^Waiting for approval \(\d+\)$/);
    const ev = freshEvent("instance-status-changes");
    await bot.post(ev);
    const shown = await waitFor(async () => {
      const a = await ask(`show ${String(ev.id)}`);
      return (await a.locator("h3").textContent())?.includes("Failed") ? a : undefined;
    }, "show to find the event");
    expect(await shown.textContent()).toContain(String(ev.id));
    const audit = await ask("audit 5");
    expect(await audit.locator("h3").textContent()).toMatch(/^Recent decisions \(\d+\)$/);
    expect(await audit.textContent()).toContain("alice");
    // The answer is the page's own: nothing was posted to the console channel for it.
    expect(await page.locator("#messages article.card", { hasText: "Recent events" }).count()).toBe(0);
    await page.screenshot({ path: process.env.CONSOLE_SCREENSHOT ?? "/tmp/dwc-console.png", fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("a zh-CN console speaks Chinese: page words, status, approvers, the command box", async () => {
    const d = localDefaults();
    const zh = await startTestBot(
      {
        destinations: { console: { platform: "console", locale: "zh-CN" } },
        routes: d.routes,
        approvals: d.approvals,
      },
      { adapterDeps: { console: { print: () => undefined } } },
    );
    const p = await browser.newPage();
    try {
      await zh.post(freshEvent("commit-file"));
      await p.goto(`${zh.url}/console`);
      const card = p.locator('article.card[data-kind="approval:commit-file"]').first();
      await card.waitFor({ timeout: 10_000 });
      expect(await p.locator("html").getAttribute("lang")).toBe("zh-CN");
      expect(await p.locator("#standin-banner").textContent()).toMatch(/^本地模式/);
      expect(await card.locator("dt", { hasText: "审批人" }).locator("+ dd").textContent()).toBe("任何人");
      await expect.poll(() => p.locator("#status").textContent()).toMatch(/^\d+ 条消息 · 1 个待审批$/);
      await p.fill("#user", "alice");
      await p.fill("#command-text", "待审批");
      await p.locator("#command-form button", { hasText: "执行" }).click();
      await p.locator("#command-answer h3", { hasText: "待审批（1）" }).waitFor();
      await p.screenshot({ path: process.env.CONSOLE_SCREENSHOT_ZH ?? "/tmp/dwc-console-zh.png", fullPage: true });
    } finally {
      await p.close();
      await zh.close();
    }
  });
});
