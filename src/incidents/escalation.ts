/**
 * Escalation: a failed instance that a route with `escalate` sent, and that nobody acknowledged and that has not
 * recovered, mentions the route's escalation targets after `after`, then `repeat` more times every `every`.
 *
 * Each firing is a delayed job in the escalations queue (like an approval's deadline): in Redis, so it survives a
 * restart, and run by one worker, so it fires once across instances. Its id (queues.ts escalationJobId) names the
 * failure, the route and the firing, so scheduling again adds nothing. The firing asks the incident whether it is
 * still nobody's (src/incidents/store.ts unattended) — that check is what keeps an escalation from firing after an
 * ack or a recovery; the pending job is left to find it so — then queues one message per destination, records
 * "escalated" on the incident's timeline (once per firing) and queues the next firing.
 * A mute from chat that silences the failure (`mute …`, src/commands/mute-check.ts) silences its escalations too:
 * a firing while the mute lasts sends nothing and records nothing, and the next firing is still queued, so an
 * escalation due after the mute ended goes out if the failure is still nobody's.
 */
import type { Job, Queue } from "bullmq";
import { memberIds } from "../access/describe-rotation.js";
import { groupsAt, membersOn, type Platform } from "../access/roles.js";
import { onCall } from "../access/rotation.js";
import type { EscalateConfig } from "../config/sections/routes.js";
import type { Config } from "../config/schema.js";
import type { DwEvent } from "../core/event.js";
import type { MessageMention } from "../core/message.js";
import { instanceOf } from "../dataworks/instance.js";
import {
  type DeliveryJobData,
  type EscalationJobData,
  escalationJobId,
  escalationMessageJobId,
  PRIORITY,
} from "../jobs/queues.js";
import type { Logger } from "../logger.js";
import { routeName } from "../routing/mentions.js";
import { type IncidentStore, unattended } from "./store.js";

/** What escalation reads and writes of incidents: their state, and the timeline entry of each firing. */
export type IncidentReader = Pick<IncidentStore, "get" | "append">;

/**
 * Still nobody's: the incident nobody acknowledged, that has not recovered (nor been stopped), and that this failure
 * (`failureEventId`) opened last — a rerun that failed again starts escalations of its own, the older ones stop.
 */
export async function stillUnattended(
  incidents: Pick<IncidentStore, "get">,
  instanceId: string,
  failureEventId: string,
): Promise<boolean> {
  const i = await incidents.get(instanceId);
  return i !== undefined && unattended(i) && i.eventId === failureEventId;
}

export interface EscalationDeps {
  config: Readonly<Config>;
  /** The escalations queue (delayed firings). */
  queue: Queue<EscalationJobData>;
  deliveries: Queue<DeliveryJobData>;
  incidents: IncidentReader;
  /** The id of the chat mute that silences this event now, if any (not counted: the failure itself was). */
  mutedBy?: (event: DwEvent) => Promise<string | undefined>;
  logger: Logger;
  now?: () => number;
}

/** What a firing did. */
export type Firing = "escalated" | "muted" | "closed" | "unconfigured";

export class Escalations {
  private readonly d: EscalationDeps;

  constructor(d: EscalationDeps) {
    this.d = d;
  }

  private now() {
    return (this.d.now ?? Date.now)();
  }

  /**
   * A failure was routed (`routes`: the names of the routes that sent it): the first firing of each of those routes'
   * escalations, `after` from now. Anything but a failed instance is ignored.
   */
  async schedule(event: DwEvent, routes: readonly string[]): Promise<void> {
    const inst = instanceOf(event);
    if (inst?.status !== "failed" || !inst.instanceId) return;
    for (const route of new Set(routes)) {
      const esc = escalateOf(this.d.config, route);
      if (esc) await this.add({ event, instanceId: inst.instanceId, route, n: 1 }, esc.after);
    }
  }

  /** The job: escalate if the incident is still open, then queue the next firing. */
  async fire(job: Job<EscalationJobData>): Promise<Firing> {
    const { event, instanceId, route, n } = job.data;
    const log = this.d.logger.child({ instanceId, route, escalation: n, jobId: job.id });
    const esc = escalateOf(this.d.config, route);
    const r = routeOf(this.d.config, route);
    if (!esc || !r) {
      log.info("the route no longer escalates (config changed): nothing sent");
      return "unconfigured";
    }
    if (!(await stillUnattended(this.d.incidents, instanceId, event.id))) {
      log.info("acknowledged, recovered or no incident: not escalated");
      return "closed";
    }
    const muteId = await this.d.mutedBy?.(event);
    if (muteId) {
      if (n <= esc.repeat) await this.add({ event, instanceId, route, n: n + 1 }, esc.every ?? esc.after);
      log.info({ muteId }, "muted from chat: not escalated");
      return "muted";
    }
    const destinations = r.destinations.filter((dest) => this.d.config.destinations[dest]);
    await this.d.deliveries.addBulk(
      destinations.map((destination) => ({
        name: "escalation",
        data: { event, destination, routes: [route], escalation: { route, n, instanceId } },
        opts: { jobId: escalationMessageJobId(event.id, route, n, destination), priority: PRIORITY.escalation },
      })),
    );
    // Once per firing on the timeline, even when this job runs again after a crash.
    await this.d.incidents.append(
      instanceId,
      { at: this.now(), kind: "escalated", detail: targetNames(esc, { config: this.d.config, now: this.now() }) },
      { dedupeKey: `escalation.${route}.${n}` },
    );
    if (n <= esc.repeat) await this.add({ event, instanceId, route, n: n + 1 }, esc.every ?? esc.after);
    log.info({ destinations }, "escalated");
    return "escalated";
  }

  private async add(data: EscalationJobData, delay: number): Promise<void> {
    await this.d.queue.add("escalate", data, { jobId: escalationJobId(data.event.id, data.route, data.n), delay });
  }
}

/**
 * Remove the pending firings of a failure (`failureEventId`: the event that opened the incident), e.g. on an ack.
 * An optimisation only: a firing that runs anyway finds the incident attended and sends nothing. A firing already
 * running is locked and left to that check.
 */
export async function removePendingEscalations(
  queue: Pick<Queue<EscalationJobData>, "remove">,
  config: Readonly<Config>,
  failureEventId: string,
): Promise<number> {
  const ids = config.routes.flatMap((r, i) =>
    r.escalate
      ? Array.from({ length: r.escalate.repeat + 1 }, (_, n) => escalationJobId(failureEventId, routeName(r, i), n + 1))
      : [],
  );
  // At once: this runs inside a click's answer.
  const removed = await Promise.all(ids.map((id) => queue.remove(id).catch(() => 0)));
  return removed.reduce((a, b) => a + b, 0);
}

function routeOf(config: Readonly<Config>, route: string) {
  return config.routes.find((r, i) => routeName(r, i) === route);
}

/** The route's `escalate`, by the route's name; undefined when the route or its escalate is gone from the config. */
export function escalateOf(config: Readonly<Config>, route: string): EscalateConfig | undefined {
  return routeOf(config, route)?.escalate;
}

/**
 * "@oncall-secondary, slack U0ANN": the targets as the config writes them. Given the config and a moment, a rotation
 * also says who was on call then — "@oncall-secondary (slack U0BOB)" — for the timeline's "escalated to …".
 */
export function targetNames(esc: EscalateConfig, at?: { config: Readonly<Config>; now: number }): string {
  const users = Object.entries(esc.mention.users)
    .filter(([, ids]) => ids?.length)
    .map(([p, ids]) => `${p} ${ids?.join(" ")}`);
  const group = (g: string) => {
    const r = at?.config.rotations[g];
    const shift = r && at ? onCall(r, at.now) : undefined;
    return shift ? `@${g} (${memberIds(shift.member)})` : `@${g}`;
  };
  return [...esc.mention.groups.map(group), ...users].join(", ");
}

/** Who an escalation mentions on one platform at `now`: its users and groups, a rotation as whoever is on call. */
export function escalationMentions(
  config: Readonly<Config>,
  esc: EscalateConfig,
  platform: string,
  now: number,
): MessageMention[] {
  const ids = membersOn(esc.mention, groupsAt(config, now), platform as Platform);
  return [...new Set(ids)].map((userId) => ({ userId }));
}
