import { z } from "zod";
import { parseRedisUrl } from "../../redis/redis-url.js";

export const redisSchema = z
  .object({
    /**
     * redis://…, redis+sentinel://…/<master> or redis+cluster://… (src/redis/redis-url.ts). Unset: the run command
     * starts a local redis-server under dataDir.
     */
    url: z
      .string()
      .superRefine((url, ctx) => {
        try {
          parseRedisUrl(url);
        } catch (err) {
          ctx.addIssue({ code: "custom", message: (err as Error).message.replace(/^redis\.url: /, "") });
        }
      })
      .optional(),
    /** Prefix of every key this bot writes (BullMQ queues included); may be or hold a hash tag, `{dwc}`. */
    prefix: z
      .string()
      .regex(
        /^[A-Za-z0-9_.-]*(?:\{[A-Za-z0-9_.-]+\})?[A-Za-z0-9_.-]*$/,
        "letters, digits, _ . - only, and at most one {hash tag}",
      )
      .min(1)
      .default("dwc"),
  })
  .strict()
  .default({ prefix: "dwc" });
