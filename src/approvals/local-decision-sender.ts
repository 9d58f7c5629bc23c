import { catalogEntry } from "../dataworks/catalog.js";
import type { Logger } from "../logger.js";
import type { DecisionSender } from "./types.js";

export interface LocalDecision {
  api: string;
  eventCode: string;
  messageId: string;
  checkResult: string;
  message: string;
  at: number;
}

/**
 * Without DataWorks credentials (local console mode), decisions go to this stand-in: it logs exactly what
 * would be sent, clearly labelled, and keeps the last ones for the console page. Never silently dropped.
 */
export function localDecisionSender(
  logger: Logger,
  keep: LocalDecision[] = [],
): DecisionSender & { sent: LocalDecision[] } {
  const send = (async (d) => {
    const api = catalogEntry(undefined, d.eventCode)?.decisionApi ?? "CallbackExtension";
    const record = {
      api,
      eventCode: d.eventCode,
      messageId: d.messageId,
      checkResult: d.checkResult,
      message: d.message,
      at: Date.now(),
    };
    keep.push(record);
    if (keep.length > 200) keep.shift();
    logger.warn(
      { localStandIn: true, ...record },
      "LOCAL STAND-IN: no DataWorks credentials configured; this decision was NOT sent to DataWorks",
    );
    return { api, requestId: "local-stand-in" };
  }) as DecisionSender & { sent: LocalDecision[] };
  send.sent = keep;
  return send;
}
