/**
 * The incident's part in delivering an instance message (the deliveries worker calls it; no branch of its own in the
 * job plumbing): a failure opens the incident — for every route, so escalation sees it — and a route with `actions`
 * gets the buttons and the incident's lines on its message; the posted copy is remembered to be updated later.
 */
import { idText } from "../dataworks/ids.js";
import type { IncidentActions } from "../config/sections/incident-actions.js";
import type { Config } from "../config/schema.js";
import type { MessageRef } from "../core/chat-adapter.js";
import type { DwEvent } from "../core/event.js";
import type { Message } from "../core/message.js";
import { instanceOf } from "../dataworks/instance.js";
import { routeName } from "../routing/mentions.js";
import type { TemplateEngine } from "../templating/engine.js";
import { translate } from "../templating/i18n.js";
import { incidentButtons, incidentLines, timelineLine } from "./message.js";
import type { IncidentStore } from "./store.js";
import type { Incident, IncidentFacts } from "./types.js";

/** The incident a message shows, and the actions of the route that sent it there. */
export interface Shown {
  incident: Incident;
  /** The route's actions in this destination; absent: the message shows the timeline, no buttons. */
  actions?: IncidentActions;
}

/** The first of these routes that has `actions` (the routes that sent one event to one destination). */
export function actionsFor(config: Pick<Config, "routes">, routeNames: readonly string[]): IncidentActions | undefined {
  return config.routes.find((r, i) => r.actions && routeNames.includes(routeName(r, i)))?.actions;
}

/** What the incident keeps of a failure event and its enrichment (node name, business date, owner). */
export function incidentFactsOf(e: DwEvent, enrich: Record<string, unknown>): IncidentFacts | undefined {
  const i = instanceOf(e);
  if (!i?.instanceId) return undefined;
  const facts: IncidentFacts = { instanceId: i.instanceId, eventId: e.id };
  const add = (k: keyof IncidentFacts, v: unknown) => {
    const t = idText(v);
    if (t !== undefined) (facts as unknown as Record<string, string>)[k] = t;
  };
  add("nodeId", i.nodeId);
  add("nodeName", enrich.nodeName);
  add("bizDate", enrich.bizDate);
  add("projectId", e.data.appId ?? e.data.projectId);
  add("region", e.regionId);
  add("ownerUid", enrich.ownerId);
  return facts;
}

/** The message with the incident's buttons (per the route's actions) and lines, in the message's language. */
export function decorate(m: Message, s: Shown, templates: TemplateEngine, timeZone: string): Message {
  const t = (key: string, p?: Record<string, unknown>) => translate(templates.messages, m.locale, key, p);
  if (!s.actions) {
    // No buttons here: the timeline once there is more to it than the failure itself (a followed update).
    const story = s.incident.timeline.length > 1 ? [timelineLine(s.incident.timeline, t, timeZone)] : [];
    return { ...m, context: [...m.context, ...story] };
  }
  return {
    ...m,
    actions: [...m.actions, ...incidentButtons(s.incident, s.actions, t)],
    context: [...m.context, ...incidentLines(s.incident, t, timeZone)],
  };
}

/**
 * What a message shows of an incident, one string: an update job is named by it, and a copy already showing it is
 * not updated again.
 */
export function renderKeyOf(i: Incident): string {
  const parts = [
    i.state,
    i.ack ? `${i.ack.by.platform}-${i.ack.by.userId}-${i.ack.since}` : "",
    i.pending ? `${i.pending.op}-${i.pending.at}` : "",
    i.lastOp ? `${i.lastOp.op}-${i.lastOp.at}-${i.lastOp.ok ? 1 : 0}` : "",
    String(i.timeline.length),
    String(i.timeline.at(-1)?.at ?? 0),
  ];
  // Job ids allow letters, digits, '.', '-', '_'.
  return parts.join("_").replace(/[^A-Za-z0-9_-]/g, "-");
}

export class IncidentDelivery {
  private readonly config: Readonly<Config>;
  private readonly store: IncidentStore;
  private readonly now: () => number;

  constructor(config: Readonly<Config>, store: IncidentStore, now: () => number = Date.now) {
    this.config = config;
    this.store = store;
    this.now = now;
  }

  /**
   * Before rendering an instance event: a failure opens (or re-opens) its incident (with the enriched facts); a
   * running or waiting instance a route shows with Stop is tracked. Any status event of a tracked instance (a
   * followed update: running, failed again, succeeded) returns what the message shows: the buttons of the actions
   * of the route that posted there (or of this event's routes), else the timeline alone.
   */
  async prepare(
    e: DwEvent,
    routeNames: readonly string[],
    destination: string,
    enrich: Record<string, unknown>,
  ): Promise<Shown | undefined> {
    const status = instanceOf(e)?.status;
    const facts = incidentFactsOf(e, enrich);
    if (!facts || !status) return undefined;
    const actions = actionsFor(this.config, routeNames);
    const mode =
      status === "failed"
        ? "open"
        : ["running", "waitTime", "waitResource"].includes(status) && actions?.buttons.includes("stop")
          ? "watch"
          : undefined;
    // One round trip: open or watch, the route's actions recorded here (a command may come before the post), read.
    const incident = await this.store.prepare(facts, this.now(), {
      ...(mode ? { mode } : {}),
      event: e,
      destination,
      ...(actions ? { allow: actions } : {}),
    });
    if (!incident) return undefined;
    const here = incident.actions[destination];
    return here ? { incident, actions: here } : { incident };
  }

  /** The copy was posted (or found posted): it is updated with every later change of the incident. */
  async remember(s: Shown, ref: MessageRef): Promise<void> {
    await this.store.addRef(s.incident.instanceId, ref, s.actions);
  }
}
