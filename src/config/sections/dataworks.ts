import { z } from "zod";
import { duration, secret } from "./common.js";

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
