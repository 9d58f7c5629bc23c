/**
 * Acting on an incident from chat — the same handlers for buttons (src/incidents/actions.ts) and commands (ack,
 * rerun, set-success, stop): authorize like a decision, claim in Redis (one operation in flight per instance, so
 * two people clicking Rerun at once make one call), queue one job per operation, and update every copy.
 */
import type { Queue } from "bullmq";
import type { ChatUser } from "../access/people.js";
import { nameOf } from "../access/people.js";
import type { IncidentActions, IncidentButton } from "../config/sections/incident-actions.js";
import type { Config } from "../config/schema.js";
import { UNKNOWN_ACTION } from "../actions/router.js";
import { clickDestination } from "../approvals/click-destination.js";
import type { ActionEvent, ActionReply } from "../core/chat-adapter.js";
import {
  type DeliveryJobData,
  INCIDENT_OP_ATTEMPTS,
  incidentOpJobId,
  incidentUpdateJobId,
  PRIORITY,
} from "../jobs/queues.js";
import type { Logger } from "../logger.js";
import type { TemplateEngine } from "../templating/engine.js";
import { formatClock } from "../templating/format.js";
import { translate } from "../templating/i18n.js";
import { mayPress } from "./access.js";
import type { Router } from "../routing/router.js";
import { actionsFor, renderKeyOf } from "./delivery.js";
import { confirmText, INCIDENT_ACTION_IDS } from "./message.js";
import type { IncidentStore } from "./store.js";
import type { Incident, IncidentOp } from "./types.js";

/** What chat can ask of an incident. */
export type IncidentRequest = "acknowledge" | "take-over" | IncidentOp;

export interface IncidentOpJobData {
  instanceId: string;
  claimId: string;
  op: IncidentOp;
  by: ChatUser;
}

/** Action ids (src/incidents/message.ts INCIDENT_ACTION_IDS) → what they ask. */
const REQUESTS: Readonly<Record<string, IncidentRequest>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, IncidentRequest>, {
    [INCIDENT_ACTION_IDS.acknowledge]: "acknowledge",
    [INCIDENT_ACTION_IDS.takeOver]: "take-over",
    [INCIDENT_ACTION_IDS.rerun]: "rerun",
    [INCIDENT_ACTION_IDS["set-success"]]: "set-success",
    [INCIDENT_ACTION_IDS.stop]: "stop",
  }),
);

/** Platforms whose buttons cannot confirm by themselves (DingTalk cards, the console page): the bot asks first. */
const CONFIRMS_ON_SERVER = new Set(["dingtalk", "console"]);

export interface IncidentServiceDeps {
  config: Readonly<Config>;
  /** The runtime's router (compiled once at start-up): the routes a failure takes, for a command before delivery. */
  router: Router;
  store: IncidentStore;
  templates: TemplateEngine;
  operations: Queue<IncidentOpJobData>;
  deliveries: Queue<DeliveryJobData>;
  logger: Logger;
  now?: () => number;
  /** Remove the pending escalations of the failure that opened an incident (on an ack: they would find it taken). */
  removeEscalations?: (failureEventId: string) => Promise<unknown>;
  /** The display name of whoever acts (cached platform lookups); undefined shows the id. Never throws. */
  userName?: (platform: string, userId: string) => Promise<string | undefined>;
}

export interface Act {
  request: IncidentRequest;
  instanceId: string;
  platform: string;
  user: { id: string; name?: string };
  /** The click (the clicked copy's route decides who may); absent for a command (any copy's route may allow it). */
  click?: ActionEvent;
  /** The confirmation given where the platform could not ask (DingTalk): the confirming choice. */
  confirmed?: string;
  locale: string;
}

export class IncidentService {
  private readonly d: IncidentServiceDeps;

  constructor(d: IncidentServiceDeps) {
    this.d = d;
  }

  private now() {
    return (this.d.now ?? Date.now)();
  }

  /** The routes' actions that apply: the clicked copy's, or for a command every copy's. */
  private actionsOf(i: Incident, click: ActionEvent | undefined): IncidentActions[] {
    if (!click) {
      const recorded = Object.values(i.actions);
      if (recorded.length || !i.event) return recorded;
      // A command typed before the message was delivered: the actions of the routes the failure takes.
      const routed = actionsFor(
        this.d.config,
        this.d.router.match(i.event).map((r) => r.route),
      );
      return routed ? [routed] : [];
    }
    const dest = clickDestination(this.d.config, click, { cards: i.refs });
    const a = dest ? i.actions[dest] : undefined;
    return a ? [a] : [];
  }

  /** A click on an incident button (`incident.<request>`, value = the instance id), answered in its chat's language. */
  async handleClick(click: ActionEvent): Promise<ActionReply> {
    const request = REQUESTS[click.actionId];
    if (!request || !click.value) return UNKNOWN_ACTION;
    return this.act({
      request,
      instanceId: click.value,
      platform: click.adapter,
      user: click.user,
      click,
      ...(click.input ? { confirmed: click.input } : {}),
      locale: this.clickLocale(click),
    });
  }

  /** The language of the destination a click came from, else templates.defaultLocale. */
  clickLocale(click: ActionEvent): string {
    const dest = clickDestination(this.d.config, click);
    return (dest && this.d.config.destinations[dest]?.locale) || this.d.config.templates.defaultLocale;
  }

  /** A click or a command. Answers within the platform's ack deadline: Redis work and queueing only. */
  async act(r: Act): Promise<ActionReply> {
    const t = (k: string, p: Record<string, unknown> = {}) =>
      translate(this.d.templates.messages, r.locale, `incident.reply.${k}`, p);
    const tz = this.d.config.templates.timeZone;
    const named = this.d.userName?.(r.platform, r.user.id);
    const i = await this.d.store.get(r.instanceId);
    if (!i) return { ok: false, text: t("missing", { instance: r.instanceId }) };
    const button: IncidentButton = r.request === "take-over" ? "acknowledge" : r.request;
    const now = this.now();
    const who = { platform: r.platform, userId: r.user.id, ...(i.ownerUid ? { ownerUid: i.ownerUid } : {}) };
    if (!this.actionsOf(i, r.click).some((a) => mayPress(this.d.config, a, button, who, now)))
      return { ok: false, text: t("notAllowed", { op: this.opWord(button, r.locale) }) };
    const by: ChatUser = { platform: r.platform, userId: r.user.id, name: (await named) ?? r.user.name ?? r.user.id };
    if (r.request === "acknowledge" || r.request === "take-over") {
      const res = await this.d.store.acknowledge(i.instanceId, by, now, r.request === "take-over");
      if (!res.ok && res.reason === "missing") return { ok: false, text: t("missing", { instance: r.instanceId }) };
      if (!res.ok && res.reason === "closed")
        return { ok: false, text: t("closed", { state: t(`state.${res.state}`) }) };
      if (!res.ok && res.reason === "already") return { ok: true, text: t("already") };
      if (!res.ok)
        return {
          ok: false,
          text: t("taken", { name: nameOf(res.ack.by), time: formatClock(res.ack.since, tz) }),
        };
      await this.queueUpdates(i.instanceId);
      if (!res.tookOver) await this.d.removeEscalations?.(i.eventId).catch(() => undefined);
      return { ok: true, text: res.tookOver ? t("tookOver", { from: nameOf(res.tookOver.by) }) : t("acknowledged") };
    }
    const op = r.request;
    const m = (k: string, p: Record<string, unknown> = {}) => translate(this.d.templates.messages, r.locale, k, p);
    if (CONFIRMS_ON_SERVER.has(r.platform) && r.confirmed !== m(`incident.button.${op}`)) {
      // The confirming choice is the operation's own word, so an old card's free text cannot stand in for it.
      return {
        ok: false,
        text: confirmText(i, op, m),
        needsInput: {
          title: m(`incident.confirm.${op}.title`),
          label: confirmText(i, op, m),
          choices: [m(`incident.button.${op}`)],
        },
      };
    }
    const claim = await this.d.store.claim(i.instanceId, op, by, now);
    if (!claim.ok && claim.reason === "missing") return { ok: false, text: t("missing", { instance: r.instanceId }) };
    if (!claim.ok && claim.reason === "inFlight")
      return {
        ok: false,
        text: t("inFlight", {
          op: this.opWord(claim.pending.op, r.locale),
          name: nameOf(claim.pending.by),
          time: formatClock(claim.pending.at, tz),
        }),
      };
    if (!claim.ok)
      return { ok: false, text: t("notNow", { op: this.opWord(op, r.locale), state: t(`state.${claim.state}`) }) };
    await this.d.operations.add(
      "operation",
      { instanceId: i.instanceId, claimId: claim.claimId, op, by },
      {
        jobId: incidentOpJobId(i.instanceId, claim.claimId),
        attempts: INCIDENT_OP_ATTEMPTS,
        backoff: { type: "exponential", delay: this.d.config.worker.backoffMs },
      },
    );
    await this.queueUpdates(i.instanceId);
    return { ok: true, text: t("requested", { op: this.opWord(op, r.locale) }) };
  }

  private opWord(b: IncidentButton, locale: string) {
    return translate(this.d.templates.messages, locale, `incident.op.${b === "acknowledge" ? "acknowledge" : b}`);
  }

  /** Every copy of the incident's message is brought to its state now (a job per copy and state). */
  async queueUpdates(instanceId: string): Promise<void> {
    const i = await this.d.store.get(instanceId);
    if (!i?.event) return;
    const event = i.event;
    const key = renderKeyOf(i);
    await this.d.deliveries.addBulk(
      i.refs.map((ref) => ({
        name: "incident-update",
        data: { event, destination: ref.destination, incidentId: instanceId },
        opts: { jobId: incidentUpdateJobId(instanceId, ref.destination, key), priority: PRIORITY.approval },
      })),
    );
  }
}
