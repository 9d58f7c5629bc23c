import { z } from "zod";
import { duration, secret } from "./common.js";

const bindingsSchema = z
  .object({
    /** Answer only extension point events bound to dataworks.extensionCode and enabled in their workspace. */
    check: z.boolean().default(true),
    /** How old a kept GetExtension / ListEnabledExtensionsForProject answer may get before it is read again. */
    refresh: duration("5m"),
  })
  .strict();

const decisionApi = z.enum(["UpdateIDEEventResult", "UpdateWorkbenchEventResult", "CallbackExtension"]);

export const dataworksSchema = z
  .object({
    /** Region of the DataWorks OpenAPI endpoint when an event carries none. */
    regionId: z.string().default("cn-hangzhou"),
    /** Endpoint host override, e.g. "dataworks-vpc.cn-shanghai.aliyuncs.com" or "127.0.0.1:9000". Default: per event region. */
    endpoint: z.string().optional(),
    protocol: z.enum(["https", "http"]).default("https"),
    /** Per-request timeout for OpenAPI calls (connect and read). Retries are the queue's job, not the SDK's. */
    timeout: duration("10s"),
    accessKeyId: secret.optional(),
    accessKeySecret: secret.optional(),
    /** Your extension's code (Open Platform → Extensions). */
    extensionCode: z.string().optional(),
    /** Which checks are ours: the extension's bound events and enabled workspaces (src/dataworks/extension-bindings.ts). */
    bindings: bindingsSchema.default(() => bindingsSchema.parse({})),
    /**
     * The instance operations chat may start (rerun, mark success, stop): 2024-05-18 RerunTaskInstances /
     * SetSuccessTaskInstances / StopTaskInstances, or 2020-05-18 RestartInstance / SetSuccessInstance / StopInstance.
     */
    instanceApi: z.enum(["2024-05-18", "2020-05-18"]).default("2024-05-18"),
    /** Override of the decision API per event code. */
    decisionApis: z.record(z.string(), decisionApi).default({}),
    /** Console base for links, followed by /<regionId>/<module> (see src/templating/console-links.ts). */
    consoleUrl: z.string().default("https://dataworks.data.aliyun.com"),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (Boolean(v.accessKeyId) !== Boolean(v.accessKeySecret)) {
      ctx.addIssue({ code: "custom", message: "set both accessKeyId and accessKeySecret, or neither" });
    }
  });
