import { createHash } from "node:crypto";
import type { RedisClient } from "../redis/connect.js";
import type { FirstSeen } from "../core/chat-adapter.js";

/**
 * The adapters' replay guard in Redis: SET NX PX, so the first instance to see a key wins and every other one
 * (or a later replay) is told it was seen. Keys are hashed: signatures and event ids are sender-controlled text.
 */
export function firstSeenIn(redis: RedisClient, prefix: string): FirstSeen {
  return async (key, ttlMs) => {
    const h = createHash("sha256").update(key).digest("hex").slice(0, 40);
    return (await redis.set(`${prefix}:seen:${h}`, "1", "PX", ttlMs, "NX")) === "OK";
  };
}
