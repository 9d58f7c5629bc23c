import type { AddressInfo } from "node:net";
import { parseConfig } from "../../src/config/load-config.js";
import type { Config } from "../../src/config/schema.js";
import { createLogger } from "../../src/logger.js";
import { type Runtime, type RuntimeOptions, startRuntime } from "../../src/runtime.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "./redis.js";

export const INGEST_TOKEN = "test-ingest-token-0123456789";

export interface TestBot {
  url: string;
  config: Readonly<Config>;
  runtime: Runtime;
  prefix: string;
  /** POST a body to the ingest endpoint with the test token (override headers to test auth). */
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Start a real bot (Fastify + BullMQ workers) on a random port against the real Redis, with its own key
 * prefix. `raw` is a config object as a user would write it in YAML.
 */
export async function startTestBot(
  raw: Record<string, unknown>,
  opts: Partial<RuntimeOptions> & {
    http?: boolean;
    workers?: boolean;
    prefix?: string;
    keepKeys?: boolean;
    /** Where the HTTP server listens (default 127.0.0.1); `url` still points at 127.0.0.1. */
    listenHost?: string;
  } = {},
): Promise<TestBot> {
  const prefix = opts.prefix ?? testPrefix();
  const ingest = (raw.ingest as Record<string, unknown> | undefined) ?? {};
  const config = parseConfig(
    {
      log: { level: process.env.TEST_LOG_LEVEL ?? "silent" },
      ...raw,
      redis: { prefix, ...(raw.redis as object) },
      ingest: { ...ingest, auth: { tokens: [INGEST_TOKEN], ...(ingest.auth as object) } },
      worker: { backoffMs: 50, attempts: 5, concurrency: 8, ...(raw.worker as object) },
      // Platform rate limits and digests are off unless a test sets them: they are tested on their own.
      outbox: raw.outbox ?? {
        rateLimits: Object.fromEntries(
          ["slack", "lark", "dingtalk", "dingtalk-webhook"].map((p) => [p, { max: 10_000, per: "1s" }]),
        ),
        digest: { enabled: false },
      },
    },
    {},
  );
  const logger = opts.logger ?? createLogger(config.log.level);
  const runtime = await startRuntime({
    config,
    logger,
    redisUrl: TEST_REDIS_URL,
    http: opts.http ?? true,
    workers: opts.workers ?? true,
    ...opts,
  });
  let url = "";
  if (runtime.app) {
    await runtime.app.listen({ host: opts.listenHost ?? "127.0.0.1", port: 0 });
    url = `http://127.0.0.1:${(runtime.app.server.address() as AddressInfo).port}`;
  }
  return {
    url,
    config,
    runtime,
    prefix,
    post: (body, headers = {}) =>
      fetch(`${url}${config.ingest.path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-eventbridge-signature-token": INGEST_TOKEN, ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    async close() {
      await runtime.close();
      if (!opts.keepKeys) await deleteKeys(prefix);
    },
  };
}
