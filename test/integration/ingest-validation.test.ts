import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";

/** Every rejection has its own status and a message that says what to fix; nothing is queued. */
describe("POST /dataworks/events validation and authentication", () => {
  let bot: TestBot;
  const counts = async () =>
    bot.runtime.queues.events.getJobCountByTypes("waiting", "active", "completed", "delayed", "failed", "prioritized");

  beforeAll(async () => {
    bot = await startTestBot(
      {
        destinations: { c: { platform: "console" } },
        server: { bodyLimitBytes: 4096 },
        ingest: {
          auth: {
            tokens: ["old-token-aaaaaaaa", "new-token-bbbbbbbb"],
            bearerTokens: ["bearer-secret-cccc"],
            basic: [{ username: "eventbridge", password: "basic-secret-dddd" }],
            apiKey: { header: "X-Api-Key", values: ["api-key-eeee"] },
          },
        },
      },
      { workers: false },
    );
  });
  afterAll(() => bot?.close());

  const cases: Array<[string, Record<string, string>, string | object, number, string]> = [
    ["wrong token", { "x-eventbridge-signature-token": "nope" }, freshEvent("kill-instance"), 401, "does not match"],
    ["no credentials", { "x-eventbridge-signature-token": "" }, freshEvent("kill-instance"), 401, "does not match"],
    [
      "wrong bearer",
      { "x-eventbridge-signature-token": undefined as never, authorization: "Bearer nope" },
      freshEvent("kill-instance"),
      401,
      "Bearer",
    ],
    [
      "wrong basic",
      {
        "x-eventbridge-signature-token": undefined as never,
        authorization: `Basic ${Buffer.from("eventbridge:nope").toString("base64")}`,
      },
      freshEvent("kill-instance"),
      401,
      "Basic",
    ],
    [
      "wrong api key",
      { "x-eventbridge-signature-token": undefined as never, "x-api-key": "nope" },
      freshEvent("kill-instance"),
      401,
      "x-api-key",
    ],
    ["bad JSON", {}, "{not json", 400, "not valid JSON"],
    ["not an event", {}, { hello: "world" }, 400, "missing"],
    ["data not an object", {}, { ...freshEvent("kill-instance"), data: "x" }, 400, "data"],
    [
      "nesting too deep",
      {},
      { ...freshEvent("kill-instance"), data: { deep: JSON.parse(`${"[".repeat(1000)}${"]".repeat(1000)}`) } },
      400,
      "deeper than 64 levels",
    ],
    ["foreign source", {}, { ...freshEvent("kill-instance"), source: "acs.ecs" }, 422, "acs.ecs"],
    ["oversized", {}, { ...freshEvent("kill-instance"), data: { big: "x".repeat(5000) } }, 413, "limit"],
    [
      "wrong content type",
      { "content-type": "text/plain" },
      JSON.stringify(freshEvent("kill-instance")),
      415,
      "application/json",
    ],
  ];

  for (const [name, headers, body, status, text] of cases) {
    it(`refuses ${name} with ${status} and queues nothing`, async () => {
      const before = await counts();
      const h = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined));
      const res = await fetch(`${bot.url}/dataworks/events`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...("x-eventbridge-signature-token" in headers
            ? {}
            : { "x-eventbridge-signature-token": "new-token-bbbbbbbb" }),
          ...h,
        },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      expect(res.status).toBe(status);
      const json = (await res.json()) as { error: string; message: string };
      expect(json.message).toContain(text);
      expect(await counts()).toBe(before);
    });
  }

  const accepted: Array<[string, Record<string, string>]> = [
    ["the old rotated token", { "x-eventbridge-signature-token": "old-token-aaaaaaaa" }],
    ["the new token", { "x-eventbridge-signature-token": "new-token-bbbbbbbb" }],
    ["a Bearer token", { authorization: "Bearer bearer-secret-cccc" }],
    [
      "Basic credentials",
      { authorization: `Basic ${Buffer.from("eventbridge:basic-secret-dddd").toString("base64")}` },
    ],
    ["an API-key header", { "x-api-key": "api-key-eeee" }],
  ];
  for (const [name, headers] of accepted) {
    it(`accepts ${name}`, async () => {
      const res = await fetch(`${bot.url}/dataworks/events`, {
        method: "POST",
        headers: { "content-type": "application/json; charset=utf-8", ...headers },
        body: JSON.stringify(freshEvent("kill-instance")),
      });
      expect(res.status).toBe(202);
    });
  }

  it("answers health and readiness", async () => {
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${bot.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { redis: true } });
  });
});
