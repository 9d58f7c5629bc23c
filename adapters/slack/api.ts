import * as webApi from "@slack/web-api";
import { DeliveryError, isEncodingFailure } from "../../src/core/errors.js";
import type { MessageRef } from "../../src/core/chat-adapter.js";

/** Slack error codes that will not get better by retrying: report them, naming the destination. */
const PERMANENT = new Set([
  "channel_not_found",
  "not_in_channel",
  "is_archived",
  "invalid_auth",
  "not_authed",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "no_permission",
  "missing_scope",
  "invalid_blocks",
  "invalid_blocks_format",
  "msg_too_long",
  "msg_blocks_too_long",
  "invalid_metadata_format",
  "invalid_metadata_schema",
  "metadata_too_large",
  "metadata_must_be_sent_from_app",
  "no_text",
  "restricted_action",
  "cant_update_message",
  "message_not_found",
  "edit_window_closed",
  "invalid_arguments",
  "team_access_not_granted",
]);

/**
 * Refusals of the message itself (chat.postMessage / chat.update error tables, docs.slack.dev/reference/methods/
 * chat.postMessage): the same payload is refused again, the minimal fallback message may pass.
 */
const BAD_PAYLOAD = new Set([
  "invalid_blocks",
  "invalid_blocks_format",
  "msg_too_long",
  "msg_blocks_too_long",
  "no_text",
]);

/** Slack's own failures where, it says, some aspect of the operation may have succeeded: a retry may repeat it. */
const MAY_HAVE_SUCCEEDED = new Set(["fatal_error", "internal_error"]);
/** Throttling answered as HTTP 200 ok:false instead of 429 (no Retry-After: wait a second). */
const THROTTLED = new Set(["ratelimited", "rate_limited"]);

/** Map a WebClient failure to a DeliveryError with the retry decision; never includes the token. */
/**
 * The channel and ts a reply or an edit needs from a saved message ref. One without them (a ref saved by another
 * adapter, or damaged) is refused here with a permanent error naming the method, instead of sending "undefined"
 * for Slack to refuse (invalid_thread_ts, message_not_found) on every retry.
 */
export function messageIds(ref: MessageRef, method: string): { channel: string; ts: string } {
  const { channel, ts } = ref.ids;
  if (ref.adapter === "slack" && channel && ts) return { channel, ts };
  throw new DeliveryError(
    `Slack ${method} to ${ref.destination}: the saved message has no ${channel ? "ts" : "channel"} (a ${ref.adapter} message ref), so it cannot be ${method === "chat.update" ? "edited" : "answered in a thread"}`,
    { adapter: "slack", destination: ref.destination, retryable: false },
  );
}

export function toDeliveryError(err: unknown, destination: string, method: string): DeliveryError {
  const base = { adapter: "slack", destination };
  if (err instanceof webApi.WebAPIRateLimitedError) {
    return new DeliveryError(`Slack ${method} to ${destination} was rate limited; retrying after ${err.retryAfter}s`, {
      ...base,
      retryable: true,
      throttled: true,
      retryAfterMs: err.retryAfter * 1000,
      platformCode: "ratelimited",
    });
  }
  if (err instanceof webApi.WebAPIPlatformError) {
    const code = String(err.data.error ?? "unknown_error");
    if (THROTTLED.has(code))
      return new DeliveryError(`Slack ${method} to ${destination} was rate limited (${code})`, {
        ...base,
        retryable: true,
        throttled: true,
        retryAfterMs: 1_000,
        platformCode: code,
      });
    const permanent = PERMANENT.has(code);
    const hint =
      code === "not_in_channel" || code === "channel_not_found"
        ? " (invite the bot to the channel with /invite, and check the channel id)"
        : code === "invalid_auth" || code === "token_revoked" || code === "not_authed"
          ? " (check slack.token)"
          : code === "missing_scope"
            ? " (add the chat:write scope and reinstall the app)"
            : "";
    return new DeliveryError(`Slack ${method} to ${destination} failed: ${code}${hint}`, {
      ...base,
      retryable: !permanent,
      ...(MAY_HAVE_SUCCEEDED.has(code) ? { maybeDone: true } : {}),
      ...(BAD_PAYLOAD.has(code) ? { badPayload: true } : {}),
      platformCode: code,
    });
  }
  if (err instanceof webApi.WebAPIHTTPError) {
    const retryable = err.statusCode >= 500 || err.statusCode === 408;
    return new DeliveryError(`Slack ${method} to ${destination} failed with HTTP ${err.statusCode}`, {
      ...base,
      retryable,
      maybeDone: err.statusCode >= 500,
      platformCode: `http_${err.statusCode}`,
    });
  }
  if (err instanceof webApi.WebAPIRequestError) {
    // A timeout or a dropped connection: Slack may have done the work.
    return new DeliveryError(
      `Slack ${method} to ${destination} could not reach Slack: ${err.original?.message ?? "request failed"}`,
      { ...base, retryable: true, maybeDone: true },
    );
  }
  // Thrown before sending (the WebClient's form encoding, json-call.ts's JSON): the same payload throws again.
  const encoding = isEncodingFailure(err);
  return new DeliveryError(`Slack ${method} to ${destination} failed: ${(err as Error)?.message ?? String(err)}`, {
    ...base,
    retryable: !encoding,
    badPayload: encoding,
  });
}
