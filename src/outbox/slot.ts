import type { Limit, RateLimiter } from "./rate-limiter.js";

/**
 * A notification parked for a rate limit wakes this long after its slot frees, and an approval card waiting for
 * the same slot waits in place: at each slot the card goes first, even where no slot can be reserved (1/s).
 */
export const NOTIFICATION_WAKE_LAG_MS = 25;
/** Longest wait an approval card spends in place (holding its worker) before it is parked like the rest. */
export const CARD_WAIT_IN_PLACE_MS = 5_000;
/** How many times a card looks again for a slot in place before it is parked. */
const IN_PLACE_TRIES = 3;

/** A rate-limit slot taken under some limits; settled when the request reached the platform, or cancelled. */
export interface Slot {
  limits: readonly Limit[];
  id: string;
}

export interface TakeOptions {
  /** The clock the limits count in; undefined: Redis' clock, so every instance counts in one time. */
  now?: () => number;
  /** Wait in place (holding the worker) for a slot that frees within this long, instead of parking the job. */
  waitInPlaceMs?: number;
}

/**
 * Take a slot under `limits`: `wait` 0 and the slot (none when no limit applies), or how long until one frees
 * (the caller parks the job that long).
 */
export async function takeSlot(
  limiter: RateLimiter,
  limits: readonly Limit[],
  o: TakeOptions = {},
): Promise<{ wait: number; slot?: Slot }> {
  if (!limits.length) return { wait: 0 };
  let taken = await limiter.take(limits, o.now?.());
  const inPlace = o.waitInPlaceMs ?? 0;
  for (let tries = 0; taken.wait > 0 && taken.wait <= inPlace && tries < IN_PLACE_TRIES; tries++) {
    await new Promise((r) => setTimeout(r, taken.wait));
    taken = await limiter.take(limits, o.now?.());
  }
  return { wait: taken.wait, slot: taken.slot ? { limits, id: taken.slot } : undefined };
}

/**
 * Send while holding the slot. Sent or failed, the request reached the platform by the end: the slot counts from
 * then (a settle that fails only leaves the slot counted from when it was taken). `after` (saving what was sent)
 * runs beside the settle: both go to Redis in one write.
 */
export async function withSlot<T>(
  limiter: RateLimiter,
  slot: Slot | undefined,
  send: () => Promise<T>,
  now?: () => number,
  after?: (sent: T) => Promise<void>,
): Promise<T> {
  const settle = async () => {
    if (slot) await limiter.settle(slot.limits, slot.id, now?.()).catch(() => undefined);
  };
  let sent: T;
  try {
    sent = await send();
  } catch (err) {
    await settle();
    throw err;
  }
  await Promise.all([settle(), after?.(sent)]);
  return sent;
}

/** Give a slot back unused (the delivery turned out to have nothing to send). */
export async function cancelSlot(limiter: RateLimiter, slot: Slot | undefined): Promise<void> {
  if (slot) await limiter.cancel(slot.limits, slot.id);
}
