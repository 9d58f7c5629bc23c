import { z } from "zod";

export const redisSchema = z
  .object({
    /** redis://… URL. Unset: the run command starts a local redis-server under dataDir. */
    url: z.string().optional(),
    /** Prefix of every key this bot writes (BullMQ queues included). */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only")
      .default("dwc"),
  })
  .strict()
  .default({ prefix: "dwc" });
