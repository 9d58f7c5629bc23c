import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLarkAdapter } from "../../adapters/lark/index.js";
import { FakeLark } from "../fakes/lark-api.js";
import { FakeLarkWs } from "../fakes/lark-ws.js";
import { sleep, waitFor } from "../helpers/wait.js";

const APP_ID = "cli_0123456789abcdef";
const APP_SECRET = "lark-ws-connect-secret";

/** The long connection's failure reports: refused credentials stop it, and nothing secret is reported. */
describe("Lark long connection: connect failures", () => {
  let lark: FakeLark;
  let gateway: FakeLarkWs;

  beforeAll(async () => {
    lark = new FakeLark({ appId: APP_ID, appSecret: APP_SECRET, chats: [] });
    gateway = new FakeLarkWs({ appId: APP_ID, appSecret: APP_SECRET, upstream: () => lark.url });
    await Promise.all([lark.start(), gateway.start()]);
  });
  afterAll(async () => {
    await Promise.all([lark?.stop(), gateway?.stop()]);
  });

  it("reports refused credentials once, without the secret, and stops trying", async () => {
    const errors: Array<{ err: unknown; what: string }> = [];
    const adapter = createLarkAdapter({
      app: { appId: APP_ID, appSecret: "not-the-secret", domain: gateway.url, transport: "ws" },
      timeoutMs: 2000,
      onError: (err, what) => errors.push({ err, what }),
    });
    expect(adapter.routes).toBeUndefined();
    const before = gateway.endpointCalls;
    const l = await adapter.listen!({ onAction: async () => ({ ok: true, text: "unused" }) });
    await waitFor(() => errors.some((e) => e.what === "Lark long connection stopped"), "the stop report");
    await sleep(500);
    expect(gateway.endpointCalls).toBe(before + 1);
    expect(gateway.connections).toBe(0);
    const text = errors.map((e) => `${e.what} ${String(e.err)}`).join("\n");
    expect(text).toContain("514");
    expect(text).not.toContain("not-the-secret");
    await l.close();
  });

  it("connects with the right credentials and closes cleanly", async () => {
    const adapter = createLarkAdapter({
      app: { appId: APP_ID, appSecret: APP_SECRET, domain: gateway.url, transport: "ws" },
      timeoutMs: 2000,
    });
    const l = await adapter.listen!({ onAction: async () => ({ ok: true, text: "unused" }) });
    await waitFor(() => gateway.sockets.length === 1, "the connection");
    await l.close();
    await waitFor(() => gateway.sockets.length === 0, "the connection closed");
    const n = gateway.connections;
    await sleep(500);
    expect(gateway.connections).toBe(n);
  });
});
