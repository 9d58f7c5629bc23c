/**
 * The DingTalk set-up the integration tests share: the fake OpenAPI and Stream gateway started for one enterprise
 * app, the bot's `dingtalk` section aimed at them, and a bot whose adapter holds its Stream connection.
 */
import { createDingTalkAdapter } from "../../adapters/dingtalk/index.js";
import type { DingTalkAppConfig } from "../../adapters/dingtalk/openapi.js";
import type { ChatAdapter } from "../../src/core/chat-adapter.js";
import { FakeDingTalk, type FakeDingTalkOptions } from "../fakes/dingtalk-api.js";
import { FakeDingTalkStream } from "../fakes/dingtalk-stream.js";
import { startTestBot, type TestBot } from "./bot.js";
import { waitFor } from "./wait.js";

/** An enterprise app's credentials: its robot code is its client id (AppKey), as for an internal app. */
export interface DingTalkApp {
  clientId: string;
  clientSecret: string;
}

export interface DingTalkFakes {
  ding: FakeDingTalk;
  gateway: FakeDingTalkStream;
}

/** The fake OpenAPI (and custom robots) for the app, started. */
export async function startFakeDingTalk(
  app: DingTalkApp,
  o: Omit<FakeDingTalkOptions, "appKey" | "appSecret" | "robotCode">,
): Promise<FakeDingTalk> {
  const ding = new FakeDingTalk({ appKey: app.clientId, appSecret: app.clientSecret, robotCode: app.clientId, ...o });
  await ding.start();
  return ding;
}

/** The fake OpenAPI and the fake Stream gateway for the app, both started. */
export async function startDingTalkFakes(
  app: DingTalkApp,
  o: Omit<FakeDingTalkOptions, "appKey" | "appSecret" | "robotCode">,
): Promise<DingTalkFakes> {
  const gateway = new FakeDingTalkStream(app);
  const [ding] = await Promise.all([startFakeDingTalk(app, o), gateway.start()]);
  return { ding, gateway };
}

/**
 * A bot whose `dingtalk` section points every API (OpenAPI, the older oapi, Stream) at the fakes, started once the
 * Stream connection is up. `raw` is the rest of the config.
 */
export async function startDingTalkBot(
  app: DingTalkApp & Pick<DingTalkAppConfig, "cardTemplateId" | "corpId">,
  fakes: DingTalkFakes,
  raw: Record<string, unknown>,
): Promise<TestBot> {
  const dingtalk = {
    ...app,
    apiUrl: fakes.ding.url,
    oapiUrl: fakes.ding.url,
    streamUrl: fakes.gateway.url,
    timeoutMs: 2000,
  };
  // Built the way src/adapters.ts builds it, with a short reconnect backoff so a test need not wait seconds.
  const adapter = createDingTalkAdapter({
    app: dingtalk,
    timeoutMs: 2000,
    stream: { backoff: { initialMs: 100, maxMs: 800 } },
  }) as ChatAdapter;
  const bot = await startTestBot({ dingtalk, ...raw }, { adapters: new Map([["dingtalk", adapter]]) });
  try {
    await waitFor(() => fakes.gateway.sockets.length === 1, "the Stream connection");
  } catch (err) {
    await bot.close();
    throw err;
  }
  return bot;
}
