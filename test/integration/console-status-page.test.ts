/**
 * The console's HTTP API (what the page calls) and the read-only approval status page, over real HTTP against
 * a real bot and Redis. The browser test (test/browser) covers the page itself.
 */
import { request } from "node:http";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/wait.js";

const SECRET = "xoxb-status-page-secret-77a1";
const SENTINEL = "sentinel-not-shown-on-cards-4242";

describe("console API and approval status page", () => {
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startTestBot(
      {
        // A configured secret that must never appear on a page (no Slack destination uses it).
        slack: { token: SECRET, apiUrl: "http://127.0.0.1:9" },
        destinations: { console: { platform: "console" }, console2: { platform: "console", locale: "zh-CN" } },
        routes: [{ name: "all", destinations: ["console"] }],
        approvals: {
          routes: [
            {
              name: "local",
              destinations: ["console", "console2"],
              approvers: { users: { console: ["bob"] } },
              timeout: "20m",
            },
          ],
        },
      },
      // On every interface, so a request can arrive from another address than loopback.
      { adapterDeps: { console: { print: () => undefined } }, listenHost: "0.0.0.0" },
    );
  });
  afterAll(async () => {
    await bot?.close();
  });

  const action = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${bot.url}/console/api/action`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  const statusWithHost = (path: string, host: string, base = bot.url) =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${base}${path}`, { headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });

  async function approvalFor(ev: Record<string, unknown>) {
    await bot.post(ev);
    const id = await waitFor(
      () => bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) }),
      "the approval",
    );
    await waitFor(async () => (await bot.runtime.approvalStore.get(id))?.cards.length === 2, "both cards posted");
    return id;
  }

  it("feeds the page the messages the console destination received, with their neutral Message", async () => {
    const ev = freshEvent("instance-status-changes");
    await bot.post(ev);
    const entry = await waitFor(async () => {
      const feed = (await (await fetch(`${bot.url}/console/api/feed`)).json()) as {
        entries: Array<{ id: string; kind: string; message?: { title: string; context: string[] } }>;
      };
      return feed.entries.find((e) => e.message?.context.some((c) => c.includes(String(ev.id))));
    }, "the message in the feed");
    expect(entry.kind).toBe("message");
    expect(entry.message?.title).toMatch(/^Failed/);
    const after = (await (await fetch(`${bot.url}/console/api/feed?after=${entry.id}`)).json()) as {
      entries: Array<{ id: string }>;
    };
    expect(after.entries.map((e) => e.id)).not.toContain(entry.id);
  });

  it("answers clicks through the approval flow: non-approvers are refused, approvers decide once", async () => {
    const id = await approvalFor(freshEvent("commit-file"));
    const click = { actionId: "approval.approve", value: id, destination: "console" };
    const alice = await (await action({ ...click, user: "alice" })).json();
    expect(alice).toMatchObject({ ok: false, text: expect.stringContaining("not an approver") });
    const bob = await (await action({ ...click, user: "bob" })).json();
    expect(bob).toMatchObject({ ok: true });
    const again = await (await action({ ...click, user: "bob" })).json();
    expect(again).toMatchObject({ ok: false, text: expect.stringContaining("Already decided") });
    const a = await bot.runtime.approvalStore.get(id);
    expect(a?.decision?.by).toMatchObject({ kind: "human", platform: "console", name: "bob" });
  });

  // This machine's own non-loopback address: a request to it comes from it, not from loopback.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
  it.skipIf(!external)("refuses a request from another address even when it names localhost as Host", async () => {
    const base = `http://${external}:${new URL(bot.url).port}`;
    const port = new URL(bot.url).port;
    expect(await statusWithHost("/console/api/feed", `localhost:${port}`, base)).toBe(403);
    expect(await statusWithHost("/console", `127.0.0.1:${port}`, base)).toBe(403);
    expect(await statusWithHost("/console/api/feed", `localhost:${port}`)).toBe(200);
  });

  it("refuses other hosts, cross-site posts, non-JSON bodies and malformed clicks", async () => {
    // fetch cannot set Host (a forbidden header): a DNS-rebinding page would arrive with its own host name.
    expect(await statusWithHost("/console/api/feed", "attacker.example:80")).toBe(403);
    expect(await statusWithHost("/console", "rebind.attacker.example")).toBe(403);
    expect(await statusWithHost("/console", `localhost:${new URL(bot.url).port}`)).toBe(200);
    const cross = await action(
      { actionId: "approval.approve", value: "x".repeat(22), user: "bob" },
      { origin: "https://attacker.example" },
    );
    expect(cross.status).toBe(403);
    const form = await fetch(`${bot.url}/console/api/action`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "actionId=approval.approve",
    });
    expect(form.status).toBe(415);
    expect((await action({ actionId: "approval.approve", value: "abc" })).status).toBe(400);
    expect((await action({ actionId: "approval.approve", value: "abc", user: "b".repeat(65) })).status).toBe(400);
  });

  it("serves the page with a CSP that allows only its own inline script", async () => {
    const res = await fetch(`${bot.url}/console`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("default-src 'none'");
    expect(await res.text()).toContain("local console");
  });

  it("shows an approval's status as HTML and JSON: operation, state, deadline, approvers, cards", async () => {
    const ev = freshEvent("deploy-file");
    (ev.data as Record<string, unknown>).unshownField = SENTINEL;
    const id = await approvalFor(ev);

    const json = await fetch(`${bot.url}/approvals/${id}`, { headers: { accept: "application/json" } });
    expect(json.status).toBe(200);
    const view = (await json.json()) as Record<string, unknown>;
    expect(view).toMatchObject({
      id,
      state: "pending",
      route: "local",
      timeoutOutcome: "FAIL",
      operation: { eventType: "dataworks:FileChange:DeployFile", eventCode: "deploy-file", eventId: ev.id },
      approvers: { users: { console: ["bob"] } },
      cards: [
        { platform: "console", destination: expect.stringMatching(/^console2?$/) },
        { platform: "console", destination: expect.stringMatching(/^console2?$/) },
      ],
    });
    expect(String(view.deadline)).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \(UTC[+-]\d{2}:\d{2}\)$/);

    const html = await fetch(`${bot.url}/approvals/${id}`, { headers: { accept: "text/html" } });
    expect(html.headers.get("content-type")).toMatch(/text\/html/);
    expect(html.headers.get("content-security-policy")).toContain("default-src 'none'");
    const page = await html.text();
    expect(page).toContain("Approval needed:");
    expect(page).toContain("console: bob");
    expect(page).toContain("console2 (console)");
    expect(page).toContain('http-equiv="refresh"');
    // Each row once: the card's own deadline and approver fields are the page's rows, not repeated above them.
    const rowsOf = (html: string, label: string) => html.split(`<th>${label}</th>`).length - 1;
    for (const label of ["Decide by", "Who may decide", "Received by the bot"]) expect(rowsOf(page, label)).toBe(1);
    expect(rowsOf(page, "Created")).toBeLessThanOrEqual(1);

    const zh = await (await fetch(`${bot.url}/approvals/${id}?lang=zh-CN`)).text();
    expect(zh).toContain('lang="zh-CN"');
    // The page's own labels are translated too, not only the card's fields.
    for (const label of ["状态", "等待审批", "审批截止", "审批人", "卡片发送至", "只读"]) expect(zh).toContain(label);
    for (const label of ["State", "Waiting for a decision", "Who may decide", "Cards posted to"])
      expect(zh).not.toContain(label);

    await action({ actionId: "approval.block", value: id, user: "bob", input: "freeze <b>week</b>" });
    const decided = await waitFor(async () => {
      const v = (await (
        await fetch(`${bot.url}/approvals/${id}`, { headers: { accept: "application/json" } })
      ).json()) as { state: string; dataworks?: { status: string } };
      return v.dataworks ? v : undefined;
    }, "the decided status");
    expect(decided).toMatchObject({ state: "blocked", decision: { result: "FAIL", by: "bob (console)" } });
    const after = await (await fetch(`${bot.url}/approvals/${id}`)).text();
    expect(after).toContain("freeze &lt;b&gt;week&lt;/b&gt;");
    expect(after).not.toContain("<b>week</b>");
    expect(after).not.toContain('http-equiv="refresh"');
    // The decision is one row, not also the card's "Decision" section.
    expect(after.split(">Decision<").length - 1).toBe(1);
    for (const body of [page, after, JSON.stringify(view)]) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain(SENTINEL);
    }
  });

  it("answers 404 for unknown and malformed ids", async () => {
    expect((await fetch(`${bot.url}/approvals/AAAAAAAAAAAAAAAAAAAAAA`)).status).toBe(404);
    expect((await fetch(`${bot.url}/approvals/..%2F..%2Fetc`)).status).toBe(404);
    const r = await fetch(`${bot.url}/approvals/x`, { headers: { accept: "application/json" } });
    expect(await r.json()).toMatchObject({ error: "not_found" });
  });
});
