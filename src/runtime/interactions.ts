import type { CardNames } from "../approvals/approver-names.js";
import type { Approval } from "../approvals/types.js";
import { ActionRouter } from "../actions/router.js";
import { routeApprovalActions } from "../approvals/actions.js";
import type { ApprovalService } from "../approvals/service.js";
import { routeIncidentActions } from "../incidents/actions.js";
import type { IncidentService } from "../incidents/service.js";
import { createCommandHandler } from "../commands/handle-command.js";
import type { Config } from "../config/schema.js";
import type { ChatAdapter, OnAction, OnCommand } from "../core/chat-adapter.js";
import { makeWellFormed } from "../core/text.js";
import type { Enrich } from "../enrich/enrich-event.js";
import type { Logger } from "../logger.js";
import type { TemplateEngine } from "../templating/engine.js";
import type { Stores } from "./stores.js";

export interface InteractionDeps {
  config: Readonly<Config>;
  logger: Logger;
  templates: TemplateEngine;
  stores: Stores;
  approvals: ApprovalService;
  incidents?: IncidentService;
  adapters: ReadonlyMap<string, ChatAdapter>;
  enrich?: Enrich;
  /** Names enrichment has already cached, for answers that list many events. */
  cachedNames?: Enrich;
  /** Who may decide, by the names the cards use (approvals/approver-names.ts cardNamesFor); never throws. */
  cardNames?: (a: Approval) => Promise<CardNames>;
  now?: () => number;
}

export interface Interactions {
  /** Clicks, routed by action id prefix. */
  onAction: OnAction;
  /** Commands typed in chat, from any platform. */
  onCommand: OnCommand;
  /** Stop listening (sockets the adapters opened). */
  close(): Promise<void>;
}

/** Clicks and commands from chat: the action router, the command handler, and every adapter listening to both. */
export async function createInteractions(d: InteractionDeps): Promise<Interactions> {
  const { stores } = d;
  const answerCommand = createCommandHandler({
    config: d.config,
    templates: d.templates,
    recent: stores.recent,
    approvals: d.approvals,
    approvalStore: stores.approvals,
    ...(d.incidents ? { incidents: d.incidents } : {}),
    mutes: stores.mutes,
    workspaces: stores.workspaces,
    enrich: d.enrich,
    cachedNames: d.cachedNames,
    ...(d.cardNames ? { cardNames: d.cardNames } : {}),
    logger: d.logger,
    now: d.now,
  });
  // Text typed in chat (a block reason, a command, a display name) is made well formed where it enters, as events
  // are at ingest: it ends up in cards and answers that every platform must be able to encode. Answers are too on
  // their way out: they may quote events or names stored before this was done (a lone surrogate in Redis). The
  // action router does the same for clicks.
  const onCommand: OnCommand = async (command) => makeWellFormed(await answerCommand(makeWellFormed(command)));
  const router = routeApprovalActions(new ActionRouter(d.logger), d.approvals, d.templates);
  if (d.incidents) routeIncidentActions(router, d.incidents, d.templates);
  const onAction = router.handle;
  const listeners: Array<{ close(): Promise<void> }> = [];
  for (const adapter of d.adapters.values()) {
    if (adapter.listen) listeners.push(await adapter.listen({ onAction, onCommand }));
  }
  return {
    onAction,
    onCommand,
    async close() {
      for (const l of listeners) await l.close();
    },
  };
}
