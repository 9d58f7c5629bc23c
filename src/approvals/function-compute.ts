import type { Config } from "../config/schema.js";
import type { DwEvent } from "../core/event.js";
import { evaluatePolicies } from "./policies.js";
import type { CheckResult } from "./types.js";

/**
 * Function Compute extensions answer DataWorks with the function's return value (an `ExtensionResponse` carrying
 * the CheckResult; DataWorks "Develop and deploy an extension based on Function Compute",
 * https://www.alibabacloud.com/help/en/dataworks/user-guide/develop-and-deploy-a-custom-extension), so no
 * decision API (CallbackExtension, UpdateIDEEventResult, …) is ever called for them. A forwarding function POSTs
 * the envelope to the bot and returns what the bot answers in the HTTP response: a policy's decision at once, or
 * "not decided" (the function then answers on its own). People cannot approve through Function Compute: the
 * function would have to wait for them, and nothing tells the bot where to send a late answer.
 *
 * The response names the fields after CallbackExtension's (CheckResult, CheckMessage). The exact field set of
 * ExtensionResponse is not documented in what we could find, so the sample function maps them itself
 * (docs/setup-dataworks-extension.md).
 */
export type FunctionComputeAnswer =
  | { messageId: string; decided: true; checkResult: CheckResult; checkMessage: string; policy: string }
  | { messageId: string; decided: false; checkMessage: string };

/** The answer for one Function Compute envelope: pure, so a retried POST gets the same one under the same config. */
export function answerFunctionCompute(config: Readonly<Config>, e: DwEvent, now: number): FunctionComputeAnswer {
  const a = config.approvals;
  const undecided = (why: string): FunctionComputeAnswer => ({
    messageId: e.id,
    decided: false,
    checkMessage: `not decided by the chat-ops bot: ${why}; approval from chat is not possible through Function Compute`,
  });
  if (!a.enabled) return undecided("approvals are not enabled");
  const outcome = evaluatePolicies(e, a.policies, now);
  if (outcome.kind !== "decide") return undecided("no policy decided");
  return {
    messageId: e.id,
    decided: true,
    checkResult: outcome.result,
    checkMessage: outcome.message,
    policy: outcome.policy,
  };
}

/**
 * At ingest, before the events are queued: each Function Compute envelope gets its answer, and carries it (as
 * `unanswered`) to its notification, which says what the HTTP response answered.
 */
export function answerAtIngest(
  config: Readonly<Config>,
  events: readonly DwEvent[],
  now: number,
): { events: DwEvent[]; answers: FunctionComputeAnswer[] } {
  const answers: FunctionComputeAnswer[] = [];
  const out = events.map((e) => {
    if (e.envelope !== "function-compute") return e;
    const answer = answerFunctionCompute(config, e, now);
    answers.push(answer);
    return {
      ...e,
      unanswered: answer.decided
        ? { reason: "functionCompute", checkResult: answer.checkResult, policy: answer.policy }
        : { reason: "functionComputeUndecided" },
    };
  });
  return { events: out, answers };
}
