import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { HttpFake, json } from "../fakes/http-fake.js";
import { blockKitProblem, FakeSlack } from "../fakes/slack-api.js";
import { FakeSlackSocket } from "../fakes/slack-socket.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { blockAction, viewSubmission } from "../helpers/sign-slack.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-socket-approvals";
const APP_TOKEN = "xapp-1-A0FAKE-socket-approvals-0123";
const CHANNEL = "C0SOCK";
const AK = "LTAI-slack-socket";
const SECRET = "dw-slack-socket-secret";
const OPERATOR_UID = "1938274650735"; // the operator in the commit-file fixture

interface SlashAnswer {
  response_type?: string;
  text?: string;
  blocks?: Array<Record<string, unknown>>;
}

/** A slash-command payload as Socket Mode delivers it: the HTTP form fields as a JSON object. */
function slashPayload(text: string, user = "U0ALICE", responseUrl = "http://127.0.0.1:9/unused") {
  return {
    token: "legacy-verification-token",
    team_id: "T0FAKE",
    team_domain: "fake",
    channel_id: CHANNEL,
    channel_name: "approvals",
    user_id: user,
    user_name: user.slice(2).toLowerCase(),
    command: "/dw",
    text,
    api_app_id: "A0FAKE",
    is_enterprise_install: "false",
    response_url: responseUrl,
    trigger_id: `trig-${Math.random().toString(36).slice(2)}`,
  };
}

/**
 * Slack approvals and commands over Socket Mode, wired from the config (slack.socketMode + appToken): Bolt's
 * SocketModeReceiver opens the connection through FakeSlack's apps.connections.open and talks to a real
 * WebSocket server; the real DataWorks client decides against its fake.
 */
describe("Slack Socket Mode: card → click envelope → DataWorks once → card updated; commands in the ack", () => {
  let slack: FakeSlack;
  let socket: FakeSlackSocket;
  let dw: FakeDataWorks;
  let responses: HttpFake;
  let bot: TestBot;
  const logLines: string[] = [];

  beforeAll(async () => {
    socket = new FakeSlackSocket();
    await socket.start();
    slack = new FakeSlack({
      token: TOKEN,
      appToken: APP_TOKEN,
      channels: [CHANNEL],
      socketUrl: () => socket.issueUrl(),
    });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    responses = new HttpFake((_req, res) => json(res, 200, { ok: true }));
    await Promise.all([slack.start(), dw.start(), responses.start()]);
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    });
    bot = await startTestBot(
      {
        slack: { token: TOKEN, appToken: APP_TOKEN, socketMode: true, apiUrl: slack.apiUrl, timeoutMs: 2000 },
        dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: "ext-socket" }),
        enrich: { enabled: false },
        destinations: { approvals: { platform: "slack", channel: CHANNEL } },
        routes: [{ name: "all", destinations: ["approvals"] }],
        approvals: {
          deliveryBackoff: "50ms",
          users: { [OPERATOR_UID]: { slack: ["U0BOB"] } },
          routes: [
            { name: "prod", destinations: ["approvals"], approvers: { users: { slack: ["U0ALICE", "U0LEAD"] } } },
          ],
        },
        commands: { slashCommand: "/dw" },
      },
      { logger: createLogger("info", sink) },
    );
    await waitFor(() => socket.sockets.length === 1, "the bot's Socket Mode connection");
  });
  afterAll(async () => {
    await bot?.close();
    await Promise.all([slack?.stop(), socket?.stop(), dw?.stop(), responses?.stop()]);
  });

  async function postAndWaitForCard(name: string) {
    const ev = freshEvent(name);
    expect((await bot.post(ev)).status).toBe(202);
    const id = await bot.runtime.approvalStore.idForEvent({ source: "acs.dataworks", id: String(ev.id) });
    expect(id).toBeTruthy();
    const card = await waitFor(
      () => slack.messages.find((m) => JSON.stringify(m.blocks).includes(String(id))),
      "the approval card",
    );
    return { ev, id: id as string, card };
  }
  let slashes = 0;
  /**
   * Push a slash command; the answer is in the ack, or, when it took longer than 2 s (a loaded machine), the ack
   * says "Working on it…" and the answer goes to response_url.
   */
  async function slash(text: string) {
    const path = `/commands/${++slashes}`;
    const ack = await socket.push("slash_commands", slashPayload(text, "U0ALICE", `${responses.url}${path}`));
    const inAck = (ack.payload ?? {}) as SlashAnswer;
    if (inAck.text !== "Working on it… / 处理中…") return { afterMs: ack.afterMs, answer: inAck };
    const later = await waitFor(() => responses.requests.find((r) => r.path === path), "the answer at response_url");
    return { afterMs: ack.afterMs, answer: later.body as SlashAnswer };
  }
  const decisionsFor = (messageId: unknown) =>
    dw.calls.filter((c) => c.action.startsWith("Update") && c.params.MessageId === String(messageId));

  it("opened the connection with the app token and serves no HTTP route", async () => {
    const open = slack.calls.filter((c) => c.path === "/api/apps.connections.open");
    expect(open.length).toBeGreaterThanOrEqual(1);
    expect(open[0]?.headers.authorization).toBe(`Bearer ${APP_TOKEN}`);
    const res = await fetch(`${bot.url}/slack/events`, { method: "POST", body: "payload={}" });
    expect(res.status).toBe(404);
  });

  it("approves from a block_actions envelope: acked at once, DataWorks once, card updated, redelivery ignored", async () => {
    const { ev, id, card } = await postAndWaitForCard("commit-file");
    const click = blockAction({
      actionId: "approval.approve",
      value: id,
      userId: "U0ALICE",
      userName: "alice",
      channel: CHANNEL,
      ts: card.ts,
    });
    const ack = await socket.push("interactive", click, { envelopeId: "env-click-1" });
    expect(ack.afterMs).toBeLessThan(3000);
    expect(ack.payload ?? {}).toEqual({});
    await waitFor(() => dw.decisions.get(String(ev.id)), "the decision at DataWorks");
    expect(dw.decisions.get(String(ev.id))).toMatchObject({ action: "UpdateIDEEventResult", checkResult: "OK" });
    await waitFor(
      () => card.text.includes("Approved") && JSON.stringify(card.blocks).includes("accepted ("),
      "the card updated (decided, accepted)",
    );
    expect(JSON.stringify(card.blocks)).not.toContain("approval.approve");
    await waitFor(() => slack.ephemeral.find((e) => e.user === "U0ALICE"), "the clicker's ephemeral answer");

    // Slack redelivers an envelope whose ack it did not see; the second copy decides nothing.
    const again = await socket.push("interactive", click, { envelopeId: "env-click-1", retryAttempt: 1 });
    expect(again.envelope_id).toBe("env-click-1");
    await waitFor(() => slack.ephemeral.filter((e) => e.user === "U0ALICE").length >= 2, "the second answer");
    expect(slack.ephemeral.filter((e) => e.user === "U0ALICE").at(-1)?.text).toContain("Already decided");
    await sleep(200);
    expect(decisionsFor(ev.id)).toHaveLength(1);
    expect((await bot.runtime.approvalStore.get(id))?.state).toBe("approved");
  });

  it("asks for a reason in a modal; the view_submission ack carries the error or closes it; FAIL goes out", async () => {
    const { ev, id, card } = await postAndWaitForCard("delete-file");
    const ack = await socket.push(
      "interactive",
      blockAction({ actionId: "approval.block", value: id, userId: "U0LEAD", channel: CHANNEL, ts: card.ts }),
    );
    expect(ack.payload ?? {}).toEqual({});
    const view = await waitFor(
      () => slack.views.find((v) => String(v.view.private_metadata).includes(id)),
      "the reason modal",
    );
    const meta = String(view.view.private_metadata);
    const empty = await socket.push(
      "interactive",
      viewSubmission({ userId: "U0LEAD", privateMetadata: meta, reason: "" }),
    );
    expect(empty.payload).toMatchObject({ response_action: "errors", errors: { reason: expect.any(String) } });
    expect((await bot.runtime.approvalStore.get(id))?.state).toBe("pending");
    const done = await socket.push(
      "interactive",
      viewSubmission({ userId: "U0LEAD", privateMetadata: meta, reason: "touches the finance tables" }),
    );
    expect(done.payload ?? {}).toEqual({});
    const d = await waitFor(() => dw.decisions.get(String(ev.id)), "the FAIL decision");
    expect(d.checkResult).toBe("FAIL");
    expect(d.tip).toContain("touches the finance tables");
    await waitFor(() => card.text.includes("Blocked"), "the card shows Blocked");
    expect(decisionsFor(ev.id)).toHaveLength(1);
  });

  it("answers a slash_commands envelope in the ack payload, as valid Block Kit", async () => {
    await postAndWaitForCard("commit-table");
    const { afterMs, answer } = await slash("pending");
    // Slack's deadline for the ack (the answer itself, or "Working on it…" at 2 s).
    expect(afterMs).toBeLessThan(3000);
    expect(answer.response_type).toBe("ephemeral");
    expect(answer.text).toMatch(/^Waiting for approval/);
    expect(blockKitProblem(answer.blocks ?? [])).toBeUndefined();
    const unknown = await slash("frobnicate");
    expect(JSON.stringify(unknown.answer)).toContain("I don't know the command");
  });

  it("reconnects when Slack sends a disconnect, and keeps working on the new connection", async () => {
    const opens = socket.opens;
    const connections = socket.connections;
    const closed = socket.closes.length;
    socket.disconnect();
    await waitFor(() => socket.connections === connections + 1 && socket.sockets.length === 1, "a new connection");
    expect(socket.opens).toBe(opens + 1);
    // The old connection was closed by the client with a normal close, not dropped. The server records the code
    // when the close handshake ends, which may be after the new connection is up.
    await waitFor(() => socket.closes.length > closed, "the old connection's close code");
    expect(socket.closes[closed]).toBe(1000);
    const { answer } = await slash("pending");
    expect(String(answer.text)).toMatch(/^Waiting for approval/);
  });

  it("reconnects after a network drop", async () => {
    const connections = socket.connections;
    socket.drop();
    await waitFor(() => socket.connections === connections + 1 && socket.sockets.length === 1, "a new connection");
    const { answer } = await slash("help");
    expect(answer.text).toBeTruthy();
  });

  it("closes the connection on shutdown and does not come back; no token in the logs", async () => {
    const connections = socket.connections;
    const closed = socket.closes.length;
    await bot.close();
    // The socket leaves `sockets` when the close handshake starts; its code is recorded when it ends.
    await waitFor(() => socket.sockets.length === 0 && socket.closes.length > closed, "the connection closed");
    expect(socket.closes[closed]).toBe(1000);
    await sleep(1500);
    expect(socket.connections).toBe(connections);
    expect(socket.strayMessages).toEqual([]);
    const logs = logLines.join("");
    expect(logs).not.toContain(APP_TOKEN);
    expect(logs).not.toContain(TOKEN);
  });
});
