import { z } from "zod";
import { approvalsSchema } from "./sections/approvals.js";
import { commandsSchema } from "./sections/commands.js";
import { dataworksSchema } from "./sections/dataworks.js";
import { destinationSchema } from "./sections/destinations.js";
import { enrichSchema } from "./sections/enrich.js";
import { outboxSchema } from "./sections/outbox.js";
import { incidentsSchema } from "./sections/incidents.js";
import { ingestSchema } from "./sections/ingest.js";
import { notificationsSchema } from "./sections/notifications.js";
import { dingtalkSchema, larkSchema, slackSchema } from "./sections/platforms.js";
import { redisSchema } from "./sections/redis.js";
import { rotationsSchema } from "./sections/rotations.js";
import { routeSchema } from "./sections/routes.js";
import { serverSchema } from "./sections/server.js";
import { templatesSchema } from "./sections/templates.js";

export const configSchema = z
  .object({
    /** Where local state lives (the auto-started Redis, the generated local ingest token). */
    dataDir: z.string().default(".dw-chatops"),
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
      .strict()
      .default({ level: "info" }),
    server: serverSchema,
    redis: redisSchema,
    ingest: ingestSchema.default(() => ingestSchema.parse({})),
    dataworks: dataworksSchema.default(() => dataworksSchema.parse({})),
    enrich: enrichSchema.default(() => enrichSchema.parse({})),
    notifications: notificationsSchema.default(() => notificationsSchema.parse({})),
    slack: slackSchema.optional(),
    lark: larkSchema.optional(),
    dingtalk: dingtalkSchema.optional(),
    templates: templatesSchema,
    destinations: z
      .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only"), destinationSchema)
      .default({}),
    routes: z.array(routeSchema).default([]),
    outbox: outboxSchema.default(() => outboxSchema.parse({})),
    approvals: approvalsSchema.default(() => approvalsSchema.parse({})),
    /** On-call rotations by name; a name stands wherever a group name can, for whoever is on call then. */
    rotations: rotationsSchema.default({}),
    /** Commands typed in chat: where they are accepted and who may change things. */
    commands: commandsSchema.default(() => commandsSchema.parse({})),
    /** Failed instances acted on from chat: acknowledge, rerun, mark success, stop. */
    incidents: incidentsSchema.default(() => incidentsSchema.parse({})),
    /** Destinations for events no route matched; empty = drop (counted and logged). */
    defaultDestinations: z.array(z.string()).default([]),
    worker: z
      .object({
        concurrency: z.number().int().min(1).max(1000).default(16),
        /** Attempts for a delivery before it is kept as failed. */
        attempts: z.number().int().min(1).max(100).default(12),
        /** First retry delay; doubles each attempt. */
        backoffMs: z.number().int().min(10).default(2_000),
      })
      .strict()
      .default({ concurrency: 16, attempts: 12, backoffMs: 2_000 }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
