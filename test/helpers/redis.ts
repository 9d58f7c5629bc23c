import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

/** Tests use the Redis in REDIS_URL (CI starts one) with a key prefix of their own, deleted afterwards. */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export function testPrefix(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

export async function deleteKeys(prefix: string): Promise<void> {
  const r = new Redis(TEST_REDIS_URL);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}
