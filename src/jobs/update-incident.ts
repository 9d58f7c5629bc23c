import { UnrecoverableError } from "bullmq";
import type { MessageRef } from "../core/chat-adapter.js";
import type { DwEvent } from "../core/event.js";
import { renderKeyOf, type Shown } from "../incidents/delivery.js";
import type { DeliveryRun } from "./deliver.js";

/** Rounds of "the incident moved on while this copy was being updated": then the next job takes over. */
const MAX_ROUNDS = 3;

/**
 * Edit one copy of an instance message to show its incident as it is now (who is on it, the operation and its
 * outcome, the timeline, the buttons that still apply), unless it already does. Two updates of a copy may run at
 * once; each checks after writing and writes again when the incident moved on, so the copy ends on the latest.
 */
export async function updateIncidentCopy(
  r: DeliveryRun,
  render: (event: DwEvent, shown: Shown) => Promise<unknown>,
): Promise<MessageRef | undefined> {
  const { job, deps, platformAdapter, log } = r;
  const { destination, incidentId } = job.data;
  const store = deps.incidents;
  if (!incidentId || !store) throw new UnrecoverableError(`incident ${incidentId ?? "?"} not found for ${job.name}`);
  if (!platformAdapter.update) return undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const i = await store.get(incidentId);
    const ref = i?.refs.find((c) => c.destination === destination);
    const actions = i?.actions[destination];
    if (!i?.event || !ref || !actions) return undefined;
    const key = renderKeyOf(i);
    if ((await store.copyShows(incidentId, destination)) === key) return round ? ref : undefined;
    await platformAdapter.update(ref, await render(i.event, { incident: i, actions }));
    await store.setCopyShows(incidentId, destination, key);
    log.info({ state: i.state, shows: key }, "instance message updated");
    // The new timeline entries (acknowledged by …, rerun by …) under the message too, where the platform threads.
    await deps.threadIncident?.(incidentId, ref, platformAdapter, r.locale);
    const now = await store.get(incidentId);
    if (!now || renderKeyOf(now) === key) return ref;
  }
  return undefined;
}
