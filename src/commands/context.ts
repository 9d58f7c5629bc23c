import type { CardNames } from "../approvals/approver-names.js";
import type { Approval } from "../approvals/types.js";
import type { ApprovalService } from "../approvals/service.js";
import type { ApprovalStore } from "../approvals/store.js";
import type { IncidentService } from "../incidents/service.js";
import type { Config } from "../config/schema.js";
import type { CommandEvent, CommandReply } from "../core/chat-adapter.js";
import type { Enrich } from "../enrich/enrich-event.js";
import type { Logger } from "../logger.js";
import type { RecentEvents } from "../state/recent-events.js";
import type { TemplateEngine } from "../templating/engine.js";
import type { MuteStore } from "./mutes.js";
import type { Translate } from "./reply.js";
import type { WorkspaceNames } from "./workspace-names.js";

/** Everything commands read or change; built once in the composition root. */
export interface CommandDeps {
  config: Readonly<Config>;
  templates: TemplateEngine;
  recent: RecentEvents;
  approvals: ApprovalService;
  approvalStore: ApprovalStore;
  /** ack / rerun / set-success / stop: the same service as the instance message's buttons. */
  incidents?: IncidentService;
  mutes: MuteStore;
  workspaces: WorkspaceNames;
  /** Names for `show`; bounded by SHOW_ENRICH_MS so the answer still fits the platform's ack deadline. */
  enrich?: Enrich;
  /** Names already in the enrichment cache (no DataWorks calls), for answers that list many events. */
  cachedNames?: Enrich;
  /** Who may decide, by the names the cards use (approvals/approver-names.ts cardNamesFor); never throws. */
  cardNames?: (a: Approval) => Promise<CardNames>;
  logger: Logger;
  now?: () => number;
}

/** One command being answered. */
export interface CommandContext {
  deps: CommandDeps;
  event: CommandEvent;
  locale: string;
  t: Translate;
  now: number;
}

export type Answer = Promise<CommandReply>;
