import { UnrecoverableError } from "bullmq";
import { escalateOf, escalationMentions, stillUnattended, targetNames } from "../incidents/escalation.js";
import { escalationMessage } from "../incidents/escalation-message.js";
import { mayExistSince } from "../delivery-job.js";
import { withSlot } from "../outbox/slot.js";
import { translate } from "../templating/i18n.js";
import { cardSlot } from "./approval-deliveries.js";
import type { Delivered, DeliveryRun } from "./deliver.js";
import { withFallback } from "./safe-adapter.js";

/**
 * Job "escalation": post one firing of an escalation in one destination, mentioning the targets as they are on this
 * platform now (a rotation: whoever is on call), under the failure's message where the platform threads. Asks the
 * incident again first: an ack that came after the firing still stops its messages.
 */
export async function postEscalation(r: DeliveryRun): Promise<Delivered | undefined> {
  const { deps, job, log } = r;
  const e = job.data.escalation;
  if (!e) throw new UnrecoverableError("an escalation job without its escalation");
  const esc = escalateOf(deps.config, e.route);
  if (!esc) {
    log.info({ route: e.route }, "the route no longer escalates (config changed): nothing sent");
    return undefined;
  }
  if (deps.incidents && !(await stillUnattended(deps.incidents, e.instanceId, job.data.event.id))) {
    log.info({ instanceId: e.instanceId }, "acknowledged or recovered since the escalation fired: nothing sent");
    return undefined;
  }
  const now = (deps.outbox.now ?? Date.now)();
  const { event, destination } = job.data;
  const [enrich, failureMessage] = await Promise.all([
    deps.enrich ? deps.enrich(event) : Promise.resolve({}),
    deps.refs.get(event.id, destination),
  ]);
  const t = (k: string, p: Record<string, unknown> = {}) => translate(deps.templates.messages, r.locale, k, p);
  const build = (minimal: boolean) => {
    const m = escalationMessage(
      {
        failure: event,
        enrich,
        n: e.n,
        of: esc.repeat + 1,
        now,
        mentions: escalationMentions(deps.config, esc, r.platform, now),
        targets: targetNames(esc),
      },
      r.locale,
      t,
    );
    return minimal ? { ...m, fields: [], sections: [] } : m;
  };
  const adapter = withFallback(r.platformAdapter, () => build(true), log);
  const payload = adapter.render(build(false));
  const slot = await cardSlot(r);
  const ref = await withSlot(deps.outbox.limiter, slot, () =>
    adapter.send(r.target, payload, {
      mayExistSince: mayExistSince(job),
      ...(failureMessage ? { inThreadOf: failureMessage } : {}),
    }),
  );
  log.info({ instanceId: e.instanceId, escalation: e.n }, "escalation posted");
  return { ref, sent: true };
}
