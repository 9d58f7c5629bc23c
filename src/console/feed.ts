import type { RedisClient } from "../redis/connect.js";
import type { AdapterDeps } from "../adapters.js";
import type { LocalDecision } from "../approvals/local-decision-sender.js";
import type { DecisionSender } from "../approvals/types.js";
import type { MessageRef } from "../core/chat-adapter.js";
import type { Message } from "../core/message.js";

/** What the local console shows: messages as the console destination received them, and stand-in decisions. */
export type ConsoleEntry =
  | { kind: "message"; op: "send" | "update"; ref: MessageRef; message: Message; at: number }
  | { kind: "stand-in"; decision: LocalDecision };

export type StoredEntry = ConsoleEntry & { id: string };

/**
 * The console channel's history, in a Redis stream: whichever process delivered a message (a `worker`
 * next to `serve`), the page served by any `serve` sees it, and a restart keeps it.
 */
export class ConsoleFeed {
  private readonly redis: RedisClient;
  private readonly key: string;
  private readonly maxLen: number;

  constructor(redis: RedisClient, prefix: string, maxLen = 1000) {
    this.redis = redis;
    this.key = `${prefix}:console:feed`;
    this.maxLen = maxLen;
  }

  async append(entry: ConsoleEntry): Promise<string> {
    return (await this.redis.xadd(this.key, "MAXLEN", "~", String(this.maxLen), "*", "e", JSON.stringify(entry))) ?? "";
  }

  /** Entries after a stream id (exclusive), oldest first; without one, the latest `limit`. */
  async read(after?: string, limit = 300): Promise<StoredEntry[]> {
    const rows =
      after && /^\d+-\d+$/.test(after)
        ? await this.redis.xrange(this.key, `(${after}`, "+", "COUNT", limit)
        : (await this.redis.xrevrange(this.key, "+", "-", "COUNT", limit)).reverse();
    return rows.flatMap(([id, fields]) => {
      const i = fields.indexOf("e");
      const raw = i >= 0 ? fields[i + 1] : undefined;
      if (!raw) return [];
      try {
        return [{ ...(JSON.parse(raw) as ConsoleEntry), id }];
      } catch {
        return [];
      }
    });
  }
}

/** The local stand-in, also recorded in the feed so the page shows what would have gone to DataWorks. */
export function recordStandIn(send: DecisionSender, feed: ConsoleFeed): DecisionSender {
  return async (d) => {
    const res = await send(d);
    await feed.append({
      kind: "stand-in",
      decision: {
        api: res.api,
        eventCode: d.eventCode,
        messageId: d.messageId,
        checkResult: d.checkResult,
        message: d.message,
        at: Date.now(),
      },
    });
    return res;
  };
}

/** The console adapter's deps, with every message it receives also appended to the feed the page reads. */
export function consoleAdapterDeps(deps: AdapterDeps | undefined, feed: ConsoleFeed): AdapterDeps {
  const observer = deps?.console?.onMessage;
  return {
    ...deps,
    console: {
      ...deps?.console,
      onMessage: async (ref, payload, op) => {
        await feed.append({ kind: "message", op, ref, message: payload.message, at: Date.now() });
        await observer?.(ref, payload, op);
      },
    },
  };
}
