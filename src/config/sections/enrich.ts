import { z } from "zod";
import { duration } from "./common.js";

const ttlSchema = z
  .object({
    /** Node, workspace names: they rarely change. */
    names: duration("6h"),
    /** Instance details and error log excerpts. */
    instance: duration("10m"),
    /** After a failed lookup, do not ask again for this long (a storm must not hammer a failing API). */
    failure: duration("30s"),
  })
  .strict();

/**
 * Names looked up through the DataWorks read APIs before rendering. Active only when dataworks.accessKeyId
 * and accessKeySecret are set.
 */
export const enrichSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Total time budget per event; past it the message goes out with ids and a note. */
    timeout: duration("2s"),
    ttl: ttlSchema.default(() => ttlSchema.parse({})),
    /** Error log excerpt for failed instances: at most this many lines and characters. */
    logLines: z.number().int().min(1).max(100).default(12),
    logChars: z.number().int().min(200).max(2800).default(1500),
    /** Display names by Alibaba Cloud UID (owners, operators): DataWorks events and read APIs carry UIDs only. */
    userNames: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type EnrichConfig = z.infer<typeof enrichSchema>;
