import type { ChatAdapter, MessageRef, SendOptions, Target } from "../core/chat-adapter.js";
import { DeliveryError, isEncodingFailure } from "../core/errors.js";
import type { Message } from "../core/message.js";
import { makeWellFormed } from "../core/text.js";
import type { Logger } from "../logger.js";

/** A failure of the payload itself, which every retry of the same payload meets again. */
export function isBadPayload(err: unknown): boolean {
  return (err instanceof DeliveryError && err.badPayload) || isEncodingFailure(err);
}

/**
 * The adapter as one delivery uses it. A message that cannot be rendered, encoded or taken by the platform as it
 * is would fail the same way on every retry, so it is replaced at once by the minimal safe message (`fallback`,
 * every string made well formed) and the failure is logged (the delivery's logger names the event). When even
 * the minimal message is refused, the error is permanent: no retry loop either way. Network failures pass through
 * untouched, to be retried as before.
 */
export function withFallback<P>(adapter: ChatAdapter<P>, fallback: () => Message, log: Logger): ChatAdapter<P> {
  const fallBack = (err: unknown, what: string): P => {
    log.error({ err: describe(err) }, `${what}; sending the minimal fallback message instead`);
    try {
      return adapter.render(makeWellFormed(fallback()));
    } catch (again) {
      throw permanent(adapter, "the fallback message could not be rendered either", again);
    }
  };
  const retryWith = async <T>(attempt: (payload: P) => Promise<T>, payload: P, what: string): Promise<T> => {
    try {
      return await attempt(payload);
    } catch (err) {
      if (!isBadPayload(err)) throw err;
      const safe = fallBack(err, `the platform could not take the ${what}`);
      return attempt(safe).catch((again: unknown) => {
        throw isBadPayload(again) ? permanent(adapter, "the fallback message was refused too", again) : again;
      });
    }
  };
  const update = adapter.update;
  return {
    ...adapter,
    render(m: Message): P {
      try {
        return adapter.render(m);
      } catch (err) {
        return fallBack(err, "the message could not be rendered");
      }
    },
    send: (target: Target, payload: P, opts?: SendOptions): Promise<MessageRef> =>
      retryWith((p) => adapter.send(target, p, opts), payload, "message"),
    ...(update
      ? { update: (ref: MessageRef, payload: P) => retryWith((p) => update(ref, p), payload, "updated message") }
      : {}),
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function permanent(adapter: ChatAdapter<unknown>, what: string, err: unknown): DeliveryError {
  const d = err instanceof DeliveryError ? err : undefined;
  return new DeliveryError(`${what}: ${describe(err)}`, {
    adapter: adapter.name,
    destination: d?.destination ?? "",
    retryable: false,
    badPayload: true,
    platformCode: d?.platformCode,
  });
}
