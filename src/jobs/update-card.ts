import { UnrecoverableError } from "bullmq";
import { approvalCard } from "../approvals/card.js";
import { renderKey } from "../approvals/types.js";
import type { MessageRef } from "../core/chat-adapter.js";
import { park } from "../delivery-job.js";
import type { DeliveryRun } from "./deliver.js";
import { CARD_LOCK_MS, CARD_LOCK_WAIT_MS } from "./queues.js";
import { withFallback } from "./safe-adapter.js";

/**
 * Edit a posted card copy to show the approval as it is now, unless it already does. One update of a copy runs at
 * a time, across instances (a lock); another waits for it, then most often finds nothing left to show. So a copy
 * is updated once per change of what it shows, never twice with the same content (Slack's chat.update is Tier 3).
 */
export async function updateCard(r: DeliveryRun): Promise<MessageRef | undefined> {
  const { job, token, platformAdapter, locale, deps, log } = r;
  const { destination, approvalId } = job.data;
  const store = deps.approvals;
  if (!approvalId || !store) throw new UnrecoverableError(`approval ${approvalId ?? "?"} not found for ${job.name}`);
  const owner = String(job.id);
  if (!(await store.lockCard(approvalId, destination, owner, CARD_LOCK_MS))) {
    if (!token) throw new Error(`the card of approval ${approvalId} in ${destination} is being updated; try again`);
    throw await park(job, token, Date.now() + CARD_LOCK_WAIT_MS);
  }
  try {
    // Read under the lock: what the copy shows and what it should show cannot change under us.
    const a = await store.get(approvalId);
    if (!a) throw new UnrecoverableError(`approval ${approvalId} not found for ${job.name}`);
    const ref = a.cards.find((c) => c.destination === destination);
    if (!ref || !platformAdapter.update) return undefined;
    const key = renderKey(a);
    if ((await store.cardShows(a.id, destination)) === key) {
      log.debug({ shows: key }, "the card already shows this; not updated again");
      return undefined;
    }
    const names = await deps.cardNames?.(a);
    const card = (minimal: boolean) => approvalCard(a, locale, deps.templates, deps.config, minimal, names);
    const adapter = withFallback(platformAdapter, () => card(true), log);
    await adapter.update?.(ref, adapter.render(card(false)));
    await store.setCardShows(a.id, destination, key);
    log.info({ state: a.state, dataworks: a.dataworks?.status }, "approval card updated");
    return ref;
  } finally {
    await store.unlockCard(approvalId, destination, owner).catch(() => undefined);
  }
}
