import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The Lark SDK (~57 MiB of RSS) and Alibaba Cloud's OpenAPI client (~25 MiB) are loaded when a Lark client or a
 * DataWorks call needs them, not when the runtime is imported: a Slack-only bot without DataWorks credentials never
 * pays for them (docs/benchmarks.md). Likewise Bolt (~8 MiB of heap beyond the Web API client) for a Slack bot
 * that takes no clicks or commands. And the adapters' posts go through Node's own HTTP client, not undici (its HTTP parser is
 * WebAssembly, whose optimising compile took ~15 MiB of native memory, and its modules ~4 MiB of heap). Checked in a
 * fresh Node process, where the CJS module cache tells what loaded.
 */
const ROOT = join(import.meta.dirname, "..", "..", "..");

interface Loaded {
  lark: boolean;
  alicloud: boolean;
  bolt: boolean;
  undici: boolean;
}

function loadedAfter(script: string): Loaded {
  const code = `
    import { createRequire } from "node:module";
    ${script}
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    process.stdout.write(JSON.stringify({
      lark: loaded.some((f) => f.includes("@larksuiteoapi")),
      alicloud: loaded.some((f) => f.includes("@alicloud/openapi-client")),
      bolt: loaded.some((f) => f.includes("@slack/bolt")),
      undici: loaded.some((f) => f.includes("node_modules/undici/")),
    }));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`the probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Loaded;
}

/** Probe code: a local server (`server`, at `base`) that answers every request with `body` as JSON. */
const answering = (body: string) => `
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(${JSON.stringify(body)}));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = "http://127.0.0.1:" + server.address().port;`;

describe("platform and cloud SDKs are loaded on demand", () => {
  it("a Slack-only runtime with its adapters built loads neither the Lark SDK, the OpenAPI client nor Bolt", () => {
    const loaded = loadedAfter(`
      const { parseConfig } = await import("./src/config/load-config.ts");
      const { createAdapters } = await import("./src/adapters.ts");
      await import("./src/runtime.ts");
      const config = parseConfig({
        slack: { token: "xoxb-1" },
        destinations: { ops: { platform: "slack", channel: "C1" } },
        routes: [{ destinations: ["ops"] }],
      }, {});
      createAdapters(config);`);
    // No signing secret, no Socket Mode: the bot only posts, through the Web API client, and never needs Bolt.
    expect(loaded).toEqual({ lark: false, alicloud: false, bolt: false, undici: false });
  });

  it("a Slack post goes through Node's own HTTP client: undici is not loaded", () => {
    const loaded = loadedAfter(`
      ${answering('{"ok":true,"channel":"C1","ts":"1.2"}')}
      const { slackJsonCall } = await import("./adapters/slack/json-call.ts");
      const o = { apiUrl: base + "/api", token: "xoxb-1", timeoutMs: 2000, logger: console };
      await slackJsonCall(o, "chat.postMessage", { channel: "C1", text: "hi" });
      server.close();`);
    expect(loaded.undici).toBe(false);
  });

  it("DingTalk and Lark custom bot posts go through the same client: undici is not loaded", () => {
    const loaded = loadedAfter(`
      ${answering('{"errcode":0,"code":0}')}
      const { sendRobotMarkdown } = await import("./adapters/dingtalk/webhook.ts");
      const { sendLarkWebhook } = await import("./adapters/lark/webhook.ts");
      const o = { destination: "ops", timeoutMs: 2000, now: Date.now };
      await sendRobotMarkdown({ webhookUrl: base + "/robot/send", accessToken: "t" }, { title: "t", text: "x", at: { atUserIds: [], isAtAll: false } }, o);
      await sendLarkWebhook({ url: base + "/hook" }, { schema: "2.0", config: {}, header: { title: { tag: "plain_text", content: "t" }, template: "blue" }, body: { elements: [] } }, o);
      server.close();`);
    expect(loaded.undici).toBe(false);
  });

  it("a Slack adapter with a signing secret loads Bolt when it starts listening for clicks", () => {
    const loaded = loadedAfter(`
      const { createSlackAdapter } = await import("./adapters/slack/index.ts");
      const a = createSlackAdapter({ token: "xoxb-1", signingSecret: "s", apiUrl: "http://127.0.0.1:9", timeoutMs: 1000 });
      await a.listen({ onAction: async () => undefined, onCommand: async () => undefined });`);
    expect(loaded.bolt).toBe(true);
  });

  it("building a Lark client loads the Lark SDK (the probe sees a loaded SDK)", () => {
    const loaded = loadedAfter(`
      const { createLarkClient, TokenCache } = await import("./adapters/lark/client.ts");
      createLarkClient({ appId: "cli_0123456789abcdef", appSecret: "s", domain: "feishu" }, 1000, new TokenCache());`);
    expect(loaded.lark).toBe(true);
  });
});
