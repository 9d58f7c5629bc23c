import { UnrecoverableError } from "bullmq";
import { approvalAlert } from "../approvals/alert.js";
import { approvalCard } from "../approvals/card.js";
import { type Approval, renderKey } from "../approvals/types.js";
import type { Message } from "../core/message.js";
import { mayExistSince, park } from "../delivery-job.js";
import { destinationLimits } from "../outbox/policy.js";
import { CARD_WAIT_IN_PLACE_MS, type Slot, takeSlot, withSlot } from "../outbox/slot.js";
import type { Delivered, DeliveryRun } from "./deliver.js";
import { withFallback } from "./safe-adapter.js";

/** Job "approval-card": post an approval's card in one destination and remember it for later updates. */
export async function postCard(r: DeliveryRun): Promise<Delivered> {
  const { deps, log, job } = r;
  const a = await approvalOf(r);
  const names = await deps.cardNames?.(a);
  const slot = await cardSlot(r);
  const build = (minimal: boolean) => approvalCard(a, r.locale, deps.templates, deps.config, minimal, names);
  const adapter = cardAdapter(r, build);
  const payload = adapter.render(build(false));
  // As for notifications: the slot counts from when the request reached the platform.
  const ref = await withSlot(deps.outbox.limiter, slot, () =>
    adapter.send(r.target, payload, { mayExistSince: mayExistSince(job) }),
  );
  await deps.approvals?.addCard(a.id, ref, renderKey(a));
  log.info({ approvalId: a.id }, "approval card posted");
  // A decision taken while this card was being posted found no ref to update.
  await deps.onCardRendered?.(a.id, job.data.destination, renderKey(a));
  return { ref, sent: true };
}

/** Job "approval-alert": tell the route's channels that DataWorks never accepted a decision. */
export async function postAlert(r: DeliveryRun): Promise<Delivered> {
  const { deps } = r;
  const a = await approvalOf(r);
  const slot = await cardSlot(r);
  const build = (minimal: boolean) => approvalAlert(a, r.locale, deps.templates, deps.config, minimal);
  const adapter = cardAdapter(r, build);
  const ref = await withSlot(deps.outbox.limiter, slot, () => adapter.send(r.target, adapter.render(build(false))));
  return { ref, sent: true };
}

async function approvalOf(r: DeliveryRun): Promise<Approval> {
  const { approvalId } = r.job.data;
  const a = approvalId && r.deps.approvals ? await r.deps.approvals.get(approvalId) : undefined;
  if (!a) throw new UnrecoverableError(`approval ${approvalId ?? "?"} not found for ${r.job.name}`);
  return a;
}

/**
 * Cards (and alerts about them) share the destination's rate limit but may use the slots reserved for them, and
 * wait in place for a slot that frees soon: taken the moment it frees, before parked notifications wake.
 */
export async function cardSlot(r: DeliveryRun): Promise<Slot | undefined> {
  const limits = destinationLimits(r.deps.config, r.job.data.destination);
  const taken = await takeSlot(r.deps.outbox.limiter, limits, { waitInPlaceMs: CARD_WAIT_IN_PLACE_MS });
  if (taken.wait > 0 && r.token) throw await park(r.job, r.token, Date.now() + taken.wait);
  return taken.slot;
}

/** Keeps the buttons and the deadline: people can still decide from a card whose full text was refused. */
function cardAdapter(r: DeliveryRun, build: (minimal: boolean) => Message) {
  return withFallback(r.platformAdapter, () => build(true), r.log);
}
