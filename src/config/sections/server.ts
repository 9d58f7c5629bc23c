import { z } from "zod";

export const serverSchema = z
  .object({
    host: z.string().default("127.0.0.1"),
    port: z.number().int().min(0).max(65535).default(8080),
    /** Public base URL of this bot (for links to approval pages). */
    publicUrl: z.string().url().optional(),
    /** Largest accepted request body, bytes. EventBridge events are a few KB. */
    bodyLimitBytes: z.number().int().min(1024).max(10_485_760).default(262_144),
  })
  .strict()
  .default({ host: "127.0.0.1", port: 8080, bodyLimitBytes: 262_144 });
