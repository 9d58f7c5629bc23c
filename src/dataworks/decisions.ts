/**
 * Return an extension-point decision to DataWorks. The approval flow calls `sendDecision` once per decided
 * event; retries belong to the caller's queue (a DataWorksApiError says whether to retry).
 *
 * API per event: the catalog's `decisionApi`, overridden by `dataworks.decisionApis[eventCode]`.
 * Parameter names and locations follow the official 2020-05-18 SDK models and API docs
 * (/work/shared/dataworks/extensions.md §2):
 *   UpdateIDEEventResult        form body   MessageId, ExtensionCode, CheckResult, CheckResultTip
 *   UpdateWorkbenchEventResult  query       MessageId, ExtensionCode, CheckResult, CheckResultTip
 *   CallbackExtension           form body   ExtensionCode, MessageId, CheckResult, CheckMessage
 */
import type { Config } from "../config/schema.js";
import { truncate } from "../core/text.js";
import { catalogEntry, type DecisionApi } from "./catalog.js";
import {
  type ApiCall,
  clientFromConfig,
  type DataWorksApi,
  DataWorksApiError,
  type ParamLocation,
} from "./openapi-client.js";

export type CheckResult = "OK" | "FAIL" | "WARN";

export interface DecisionInput {
  /** Kebab-case event code of the extension point event, e.g. "commit-file". */
  eventCode: string;
  /** The EventBridge envelope `id` (or FC `messageId`) of the event being answered. */
  messageId: string;
  /** The event's region (`aliyunregionid`); picks the endpoint. Default: dataworks.regionId. */
  regionId?: string;
  checkResult: CheckResult;
  /** Shown to the DataWorks user on the page where they acted: the reason, who decided, a link. */
  message?: string;
}

export interface DecisionResult {
  api: DecisionApi;
  requestId: string | undefined;
  /** What was sent as CheckResult (WARN becomes OK where the API has no WARN; see below). */
  sentCheckResult: "OK" | "FAIL" | "WARN";
}

export type SendDecision = (input: DecisionInput) => Promise<DecisionResult>;

/**
 * The tip length DataWorks accepts is not documented; 1,000 characters keeps a reason plus a link and
 * stays far from any form-body limit.
 */
const MAX_TIP_CHARS = 1000;

const LOCATIONS: Record<DecisionApi, ParamLocation> = {
  UpdateIDEEventResult: "body",
  UpdateWorkbenchEventResult: "query",
  CallbackExtension: "body",
};

/** The decision API for an event code, or undefined when it is not an extension point we can answer. */
export function decisionApiFor(
  eventCode: string,
  overrides: Readonly<Record<string, DecisionApi>>,
): DecisionApi | undefined {
  return overrides[eventCode] ?? catalogEntry(undefined, eventCode)?.decisionApi;
}

/** Build the API call for one decision (pure; exported for tests and for logging what would be sent). */
export function decisionCall(api: DecisionApi, extensionCode: string, input: DecisionInput): ApiCall {
  const tip = input.message ? truncate(input.message, MAX_TIP_CHARS) : undefined;
  let result: CheckResult = input.checkResult;
  let text = tip;
  if (api === "UpdateWorkbenchEventResult" && result === "WARN") {
    // Its docs list only OK and FAIL ("OK 代表检查成功,FAIL 代表检查失败"; the English page's "Fail" is a
    // translation slip, the example value is FAIL). WARN means "pass with a warning", so send OK and keep
    // the warning in the tip the user sees.
    result = "OK";
    text = truncate(`[WARN] ${tip ?? ""}`.trim(), MAX_TIP_CHARS);
  }
  const common = { MessageId: input.messageId, ExtensionCode: extensionCode, CheckResult: result };
  const params = api === "CallbackExtension" ? { ...common, CheckMessage: text } : { ...common, CheckResultTip: text };
  return { action: api, version: "2020-05-18", regionId: input.regionId, params, location: LOCATIONS[api] };
}

/**
 * `sendDecision` bound to the config. Throws DataWorksApiError: `retryable` for throttling, 5xx and network
 * errors; permanent for bad parameters, auth errors, `Success: false`, a missing extensionCode or an event
 * code that has no decision API.
 */
export function createDecisionSender(
  dw: Readonly<Config["dataworks"]>,
  api: DataWorksApi = clientFromConfig(dw),
): SendDecision {
  return async (input) => {
    const which = decisionApiFor(input.eventCode, dw.decisionApis);
    if (!which)
      throw new DataWorksApiError(
        `"${input.eventCode}" is not an extension point event: no decision API (set dataworks.decisionApis.${input.eventCode} if it is)`,
        { action: "sendDecision", retryable: false, apiCode: "NoDecisionApi" },
      );
    if (!dw.extensionCode)
      throw new DataWorksApiError("dataworks.extensionCode is not set: DataWorks cannot match the decision", {
        action: which,
        retryable: false,
        apiCode: "NoExtensionCode",
      });
    const call = decisionCall(which, dw.extensionCode, input);
    const res = await api.call(call);
    return { api: which, requestId: res.requestId, sentCheckResult: call.params.CheckResult as CheckResult };
  };
}
