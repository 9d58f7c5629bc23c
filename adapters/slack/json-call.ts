import * as webApi from "@slack/web-api";
import { headerValue, httpSend, joinedHeaders } from "../../src/core/json-request.js";
import { redirectRefusal } from "./fetch.js";

export interface SlackJsonCallOptions {
  /** The Web API's base, without the trailing slash (slack.apiUrl: tests and operators point it elsewhere). */
  apiUrl: string;
  token: string;
  /** Per request, from the first byte to the body's end; 0 = none, as the WebClient's `timeout`. */
  timeoutMs: number;
  /** Where Slack's warnings and messages go: the WebClient's logger, so both paths report them alike. */
  logger: webApi.Logger;
}

const ERROR_MESSAGE = /\[ERROR\](.*)/;
const WARN_MESSAGE = /\[WARN\](.*)/;
/** A \udxxx escape JSON.stringify wrote (an odd run of backslashes before the u): a surrogate without its pair. */
const LONE_SURROGATE = /(?<!\\)(?:\\\\)*\\ud[89a-f][0-9a-f]{2}/;

/**
 * One Web API write method (chat.postMessage, chat.update) with its arguments as a JSON body, which Slack documents
 * for write methods: `Content-type: application/json; charset=utf-8` and the token as a bearer token in
 * `Authorization` (docs.slack.dev/apis/web-api#posting_json; docs.slack.dev/changelog/2017-10-keeping-up-with-the-jsons).
 * One JSON.stringify of the arguments and one parse of the answer, on the adapters' one HTTP client, instead of the
 * WebClient's queue, retry wrapper, form encoding and its `redact()` copies of the body, headers and answer.
 *
 * It fails as the WebClient (retries 0, rejectRateLimitedCalls) fails, with its own error classes, so the adapter's
 * `toDeliveryError` reads both paths alike: ok:false → WebAPIPlatformError (an answer that is not JSON as
 * `{ ok: false, error: <the text> }`); 429 with a whole-seconds Retry-After → WebAPIRateLimitedError, without one a
 * plain Error; any other status than 200 → WebAPIHTTPError; no answer, a redirect, or the timeout anywhere up to the
 * body's end (connecting, waiting, mid-body: Slack may have posted) → WebAPIRequestError. The token never enters an
 * error or a log line (the URL, which holds none, does, as in the WebClient's). Slack's `response_metadata.warnings` and `[WARN]`/`[ERROR]`
 * messages go to the logger as the WebClient sends them (WebClient.js apiCall).
 */
export async function slackJsonCall(
  o: SlackJsonCallOptions,
  method: "chat.postMessage" | "chat.update",
  args: Record<string, unknown>,
): Promise<webApi.WebAPICallResult & Record<string, unknown>> {
  const url = `${o.apiUrl}/${method}`;
  let status: number;
  let statusText: string;
  let headers: Record<string, string | string[] | undefined>;
  let body: Buffer;
  // Outside the try: text with no UTF-8 form is refused before sending, with the URIError the WebClient's form
  // encoding throws (isEncodingFailure: permanent, the fallback message is sent instead). JSON.stringify escapes a
  // lone surrogate (as \udxxx; paired ones it writes as they are). Stricter than querystring, which threw only for
  // one at the end of a value and merged one inside it with the next character into another one: any is refused.
  // Text is made well-formed where it enters (core/text.ts), so this is the last guard, not the usual path.
  const json = JSON.stringify(args);
  if (json.includes("\\ud") && LONE_SURROGATE.test(json)) throw new URIError("URI malformed");
  try {
    const res = await httpSend(url, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        authorization: `Bearer ${o.token}`,
        accept: "application/json",
      },
      body: json,
      signal: o.timeoutMs > 0 ? AbortSignal.timeout(o.timeoutMs) : undefined,
    });
    ({ status, statusText, headers } = res);
    body = await res.body;
  } catch (err) {
    throw new webApi.WebAPIRequestError(err instanceof Error ? err : new Error(String(err)));
  }
  // As fetch with `redirect: "error"`, which the WebClient asks for (adapters/slack/fetch.ts).
  const refused = redirectRefusal(status);
  if (refused) throw new webApi.WebAPIRequestError(refused);
  const header = (name: string) => headerValue(headers, name);
  const text = body.toString("utf8");
  if (status === 429) {
    const retryAfter = Number.parseInt(header("retry-after") ?? "", 10);
    if (!Number.isNaN(retryAfter)) throw new webApi.WebAPIRateLimitedError(retryAfter);
    throw new Error(
      `Retry header did not contain a valid timeout (url: ${url}, retry-after header: ${header("retry-after") ?? null})`,
    );
  }
  if (status !== 200) {
    throw new webApi.WebAPIHTTPError(status, statusText, joinedHeaders(headers), text);
  }
  let result: webApi.WebAPICallResult & Record<string, unknown>;
  try {
    result = JSON.parse(text);
  } catch {
    result = { ok: false, error: text };
  }
  if (typeof result !== "object" || result === null) result = { ok: false, error: text };
  const meta = result.response_metadata;
  if (meta?.warnings) for (const w of meta.warnings) o.logger.warn(w);
  if (meta?.messages)
    for (const m of meta.messages) {
      const e = ERROR_MESSAGE.exec(m);
      const w = e ? undefined : WARN_MESSAGE.exec(m);
      if (e?.[1] !== undefined) o.logger.error(e[1].trim());
      else if (w?.[1] !== undefined) o.logger.warn(w[1].trim());
    }
  if (!result.ok)
    throw new webApi.WebAPIPlatformError(result as unknown as webApi.WebAPICallResult & { error: string });
  return result;
}
