import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSlackAdapter } from "../../adapters/slack/index.js";
import type { ChatAdapter } from "../../src/core/chat-adapter.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { FakeSlackSocket } from "../fakes/slack-socket.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-socket-connect";
const APP_TOKEN = "xapp-1-A0FAKE-connect-0123456789";

/** How the Socket Mode loop handles a refused token, server errors, throttling, a missing hello and shutdown. */
describe("Slack Socket Mode connect failures (real SocketModeClient, fake Slack)", () => {
  let slack: FakeSlack;
  let socket: FakeSlackSocket;
  let listener: { close(): Promise<void> } | undefined;
  const errors: Array<{ err: unknown; what: string }> = [];

  beforeAll(async () => {
    socket = new FakeSlackSocket();
    await socket.start();
    slack = new FakeSlack({ token: TOKEN, appToken: APP_TOKEN, channels: [], socketUrl: () => socket.issueUrl() });
    await slack.start();
  });
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
    errors.length = 0;
    slack.script.length = 0;
    slack.calls.length = 0;
    socket.sendHello = true;
  });
  afterAll(async () => {
    await Promise.all([slack?.stop(), socket?.stop()]);
  });

  async function connect(appToken = APP_TOKEN, helloTimeoutMs = 2000, backoff = { initialMs: 100, maxMs: 400 }) {
    const adapter = createSlackAdapter({
      token: TOKEN,
      socketMode: true,
      appToken,
      apiUrl: slack.apiUrl,
      timeoutMs: 2000,
      onError: (err, what) => errors.push({ err, what }),
      socket: { backoff, helloTimeoutMs },
    }) as ChatAdapter;
    expect(adapter.routes).toBeUndefined();
    listener = await adapter.listen!({ onAction: async () => ({ ok: true, text: "unused" }) });
    return adapter;
  }
  const opens = () => slack.calls.filter((c) => c.path === "/api/apps.connections.open");

  it("stops at once on a refused app token and says what to fix, without the token", async () => {
    await connect("xapp-1-not-the-right-token");
    await waitFor(() => errors.length, "the error report");
    await sleep(600);
    expect(opens()).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.what).toContain("invalid_auth");
    expect(errors[0]?.what).toContain("slack.appToken");
    expect(`${errors[0]?.what} ${String(errors[0]?.err)}`).not.toContain("xapp-1-not-the-right-token");
  });

  it("refuses the bot token where the app token belongs (not_allowed_token_type)", async () => {
    await connect(TOKEN);
    await waitFor(() => errors.length, "the error report");
    expect(errors[0]?.what).toContain("not_allowed_token_type");
    expect(opens()).toHaveLength(1);
  });

  it("retries a server error with backoff, then connects", async () => {
    slack.script.push({ status: 500 }, { status: 503 });
    const before = socket.connections;
    await connect();
    await waitFor(() => socket.connections === before + 1, "the connection after two failures");
    expect(opens()).toHaveLength(3);
    expect(errors.map((e) => e.what)).toEqual([
      expect.stringContaining("connect failed; retrying"),
      expect.stringContaining("connect failed; retrying"),
    ]);
    const [a, b, c] = opens().map((x) => x.at);
    // 100 ms then 200 ms nominal, each between half and all of it (jitter).
    expect(b! - a!).toBeGreaterThanOrEqual(45);
    expect(c! - b!).toBeGreaterThanOrEqual(95);
  });

  it("waits for Retry-After when apps.connections.open is throttled", async () => {
    slack.script.push({ rateLimit: 1 });
    const before = socket.connections;
    await connect();
    await waitFor(() => socket.connections === before + 1, "the connection after the 429", 5000);
    const [a, b] = opens().map((x) => x.at);
    expect(b! - a!).toBeGreaterThanOrEqual(950);
  });

  it("gives up on a connection that never says hello and opens a new one", async () => {
    socket.sendHello = false;
    const before = socket.opens;
    await connect(APP_TOKEN, 300);
    await waitFor(() => socket.opens >= before + 2, "a second open after the hello timeout", 5000);
    expect(errors[0]?.what).toContain("connect failed");
    expect(String(errors[0]?.err)).toContain("no hello");
    socket.sendHello = true;
    await waitFor(() => socket.sockets.length === 1, "a connection once hello comes", 5000);
  });

  it("close() during a backoff wait returns at once and nothing reconnects", async () => {
    slack.script.push({ status: 500 });
    // A backoff (2.5–5 s after the first failure) that close() clearly does not sit out.
    await connect(APP_TOKEN, 2000, { initialMs: 5_000, maxMs: 5_000 });
    await waitFor(() => errors.length, "the first failure");
    const t0 = Date.now();
    await listener?.close();
    listener = undefined;
    expect(Date.now() - t0).toBeLessThan(1_500);
    const n = opens().length;
    await sleep(600);
    expect(opens()).toHaveLength(n);
    expect(socket.sockets).toHaveLength(0);
  });
});
