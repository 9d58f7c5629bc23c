import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { buildApp } from "../../src/http/app.js";
import { createLogger } from "../../src/logger.js";
import { freshEvent } from "../helpers/fixtures.js";

/**
 * While Redis is unreachable ioredis queues commands instead of failing them: the route must answer 503 within
 * ingest.storeTimeout (EventBridge then retries) rather than hold every request open.
 */
describe("POST /dataworks/events when storing hangs", () => {
  it("answers 503 after ingest.storeTimeout", async () => {
    const config = parseConfig(
      {
        destinations: { c: { platform: "console" } },
        ingest: { storeTimeout: "300ms", auth: { tokens: ["tok-123456"] } },
      },
      {},
    );
    const app = await buildApp({
      config,
      logger: createLogger("silent"),
      ingest: () => new Promise(() => undefined),
      ready: async () => ({ ok: true, checks: {} }),
    });
    const t0 = Date.now();
    const res = await app.inject({
      method: "POST",
      url: "/dataworks/events",
      headers: { "content-type": "application/json", "x-eventbridge-signature-token": "tok-123456" },
      payload: JSON.stringify(freshEvent("kill-instance")),
    });
    const ms = Date.now() - t0;
    await app.close();
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      error: "unavailable",
      message: expect.stringContaining("Redis did not answer within 300 ms"),
    });
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(3_000);
  });
});
