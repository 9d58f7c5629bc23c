import * as webApi from "@slack/web-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toDeliveryError } from "../../../../adapters/slack/api.js";
import { slackFetch } from "../../../../adapters/slack/fetch.js";
import { slackJsonCall } from "../../../../adapters/slack/json-call.js";
import { type Handler, HttpFake } from "../../../fakes/http-fake.js";
import { FakeSlack } from "../../../fakes/slack-api.js";
import { freePort } from "../../../helpers/free-port.js";

const TOKEN = "xoxb-json-call-secret";

/** Answers as a Slack that misbehaves would: /api/<case>/<method>. */
const routes: Record<string, Handler> = {
  limited: (_req, res) => {
    res.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
    res.end('{"ok":false,"error":"ratelimited"}');
  },
  "limited-no-header": (_req, res) => {
    res.writeHead(429, { "content-type": "application/json" });
    res.end('{"ok":false,"error":"ratelimited"}');
  },
  down: (_req, res) => {
    res.writeHead(503, "Service Unavailable", { "content-type": "text/plain" });
    res.end("maintenance");
  },
  gone: (_req, res) => {
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"ok":false,"error":"unknown_method"}');
  },
  moved: (_req, res) => {
    res.writeHead(302, { location: "/ok" });
    res.end();
  },
  html: (_req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end("<html>proxy error</html>");
  },
  "slow-body": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    setTimeout(() => res.end('{"ok":true}'), 1_000);
  },
  slow: (_req, res) => {
    setTimeout(() => {
      if (!res.destroyed) res.end('{"ok":true}');
    }, 1_000);
  },
  fatal: (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":false,"error":"fatal_error"}');
  },
};

const server = new HttpFake((req, res) => routes[req.path.split("/").at(-2) ?? ""]?.(req, res));
let base: string;
beforeAll(async () => {
  base = await server.start();
});
afterAll(() => server.stop());

/** What the delivery reads of a failure. */
const decision = (err: unknown) => {
  const e = toDeliveryError(err, "ops", "chat.postMessage");
  return {
    message: e.message,
    retryable: e.retryable,
    throttled: e.throttled,
    retryAfterMs: e.retryAfterMs,
    maybeDone: e.maybeDone,
    badPayload: e.badPayload,
    platformCode: e.platformCode,
  };
};

const logged: Array<[string, string]> = [];
const logger: webApi.Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...m: unknown[]) => void logged.push(["warn", m.join(" ")]),
  error: (...m: unknown[]) => void logged.push(["error", m.join(" ")]),
  setLevel: () => undefined,
  getLevel: () => webApi.LogLevel.WARN,
  setName: () => undefined,
};

const args = { channel: "C1", text: "hi", blocks: [{ type: "section", text: { type: "mrkdwn", text: "hi" } }] };

/** The same call both ways: the WebClient as the adapter configured it, and the JSON call. */
async function both(method: string, timeoutMs = 2_000) {
  const client = new webApi.WebClient(TOKEN, {
    slackApiUrl: `${base}/api/${method}/`,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: timeoutMs,
    logLevel: webApi.LogLevel.ERROR,
    fetch: slackFetch,
  });
  const theirs = await client
    .apiCall("chat.postMessage", { ...args, blocks: JSON.stringify(args.blocks) })
    .then(() => "no failure", decision);
  const ours = await slackJsonCall(
    { apiUrl: `${base}/api/${method}`, token: TOKEN, timeoutMs, logger },
    "chat.postMessage",
    args,
  ).then(() => "no failure", decision);
  return { ours, theirs };
}

describe("slackJsonCall fails as the WebClient fails, read by the same toDeliveryError", () => {
  it.each(["limited", "limited-no-header", "down", "gone", "moved", "html", "fatal"])("%s", async (route) => {
    const { ours, theirs } = await both(route);
    expect(ours).not.toBe("no failure");
    expect(ours).toEqual(theirs);
    expect(JSON.stringify(ours)).not.toContain(TOKEN);
  });

  it("429 with Retry-After is rate limited for that long", async () => {
    expect((await both("limited")).ours).toMatchObject({ throttled: true, retryAfterMs: 7_000, retryable: true });
  });

  it.each(["slow", "slow-body"])("a timeout (%s) may have posted, as with the WebClient", async (route) => {
    const { ours, theirs } = await both(route, 200);
    expect(ours).toEqual(theirs);
    expect(ours).toMatchObject({ retryable: true, maybeDone: true });
  });

  it("a connection refused is retried as maybe done, as with the WebClient", async () => {
    const port = await freePort(); // nothing listens there
    const e = await slackJsonCall(
      { apiUrl: `http://127.0.0.1:${port}/api`, token: TOKEN, timeoutMs: 2_000, logger },
      "chat.postMessage",
      args,
    ).catch(decision);
    expect(e).toMatchObject({ retryable: true, maybeDone: true });
    expect(JSON.stringify(e)).not.toContain(TOKEN);
  });

  it("refuses text with a lone surrogate anywhere before sending, permanently, as the form encoding's error", async () => {
    // At a value's end querystring threw too; inside one it sent another character instead.
    for (const text of ["x\ud800", "a\ud800b", "\udc00x"]) {
      const e = await slackJsonCall(
        { apiUrl: `${base}/api/fatal`, token: TOKEN, timeoutMs: 2_000, logger },
        "chat.postMessage",
        { ...args, text },
      ).catch(decision);
      expect(e).toMatchObject({ retryable: false, badPayload: true });
    }
    // A paired surrogate and a literal backslash-u are text like any other.
    for (const text of ["ok 😀", "a \\ud800 b"]) {
      const ok = await slackJsonCall(
        { apiUrl: `${base}/api/fatal`, token: TOKEN, timeoutMs: 2_000, logger },
        "chat.postMessage",
        { ...args, text },
      ).catch(decision);
      expect(ok).toMatchObject({ platformCode: "fatal_error" });
    }
  });
});

describe("slackJsonCall against the fake Slack", () => {
  const slack = new FakeSlack({ token: TOKEN, channels: ["C1"] });
  beforeAll(() => slack.start());
  afterAll(() => slack.stop());
  const call = () => ({ apiUrl: slack.apiUrl, token: TOKEN, timeoutMs: 2_000, logger });

  it("posts a JSON body with the token as a bearer token, typed as Slack documents it", async () => {
    const res = await slackJsonCall(call(), "chat.postMessage", { ...args, unfurl_links: false });
    expect(res).toMatchObject({ ok: true, channel: "C1" });
    const req = slack.calls.at(-1);
    expect(req?.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req?.body).toEqual({ ...args, unfurl_links: false });
    expect(req?.raw).not.toContain(TOKEN);
    expect(slack.messages.at(-1)?.blocks).toEqual(args.blocks);
  });

  it("edits with chat.update", async () => {
    const { ts } = await slackJsonCall(call(), "chat.postMessage", args);
    await slackJsonCall(call(), "chat.update", { channel: "C1", ts, text: "edited", blocks: args.blocks });
    expect(slack.messages.find((m) => m.ts === ts)).toMatchObject({ text: "edited", updates: 1 });
  });

  it("reads Slack's ok:false codes", async () => {
    const e = await slackJsonCall(call(), "chat.postMessage", { ...args, channel: "C404" }).catch(decision);
    expect(e).toMatchObject({ platformCode: "channel_not_found", retryable: false });
    const bad = new FakeSlack({ token: "xoxb-other", channels: ["C1"] });
    await bad.start();
    try {
      const auth = await slackJsonCall({ ...call(), apiUrl: bad.apiUrl }, "chat.postMessage", args).catch(decision);
      expect(auth).toMatchObject({ platformCode: "invalid_auth", retryable: false });
      expect(JSON.stringify(auth)).not.toContain(TOKEN);
    } finally {
      await bad.stop();
    }
  });

  it("hands Slack's response_metadata warnings and messages to the logger, as the WebClient does", async () => {
    const answer = {
      ok: true,
      channel: "C1",
      ts: "1.1",
      response_metadata: { warnings: ["missing_charset"], messages: ["[WARN] no charset", "[ERROR] bad field"] },
    };
    const warns = new HttpFake((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(answer));
    });
    const url = await warns.start();
    logged.length = 0;
    try {
      await slackJsonCall({ ...call(), apiUrl: `${url}/api` }, "chat.postMessage", args);
    } finally {
      await warns.stop();
    }
    expect(logged).toEqual([
      ["warn", "missing_charset"],
      ["warn", "no charset"],
      ["error", "bad field"],
    ]);
  });
});

describe("the fake Slack reads bodies as Slack does", () => {
  const slack = new FakeSlack({ token: TOKEN, channels: ["C1"] });
  beforeAll(() => slack.start());
  afterAll(() => slack.stop());
  const post = async (body: string, type?: string, auth = `Bearer ${TOKEN}`) => {
    const headers: Record<string, string> = { authorization: auth };
    if (type) headers["content-type"] = type;
    // As bytes: fetch gives a string body a text/plain type of its own.
    const res = await fetch(`${slack.apiUrl}/chat.postMessage`, { method: "POST", headers, body: Buffer.from(body) });
    return (await res.json()) as Record<string, unknown>;
  };
  const json = "application/json; charset=utf-8";

  it("answers invalid_json, json_not_object, invalid_form_data, missing and invalid post types, bad charsets", async () => {
    expect(await post('{"channel":"C1",', json)).toMatchObject({ ok: false, error: "invalid_json" });
    expect(await post('["C1"]', json)).toMatchObject({ ok: false, error: "json_not_object" });
    expect(await post("channel=C1&text=%E0%A4%A", "application/x-www-form-urlencoded")).toMatchObject({
      ok: false,
      error: "invalid_form_data",
    });
    const body = JSON.stringify({ channel: "C1", text: "hi" });
    expect(await post(body)).toMatchObject({ ok: false, error: "missing_post_type" });
    expect(await post(body, "text/plain")).toMatchObject({ ok: false, error: "invalid_post_type" });
    expect(await post(body, "application/json; charset=koi8-r")).toMatchObject({ error: "invalid_charset" });
  });

  it("wants the token as a bearer token, and warns of a JSON body without a charset", async () => {
    const body = JSON.stringify({ channel: "C1", text: "hi", token: TOKEN });
    expect(await post(body, json, "")).toMatchObject({ ok: false, error: "not_authed" });
    expect(await post(body, "application/json")).toMatchObject({
      ok: true,
      warning: "missing_charset",
      response_metadata: { warnings: ["missing_charset"] },
    });
    expect(await post(body, json)).not.toHaveProperty("warning");
  });
});
