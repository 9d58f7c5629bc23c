import type { Guard, Limit, Mark, RateLimiter } from "./rate-limiter.js";

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
  /** Take nothing when this field is set (the work is done): checked with the take, in one round trip. */
  guard?: Guard;
}

/**
 * Take a slot under `limits`: `wait` 0 and the slot (none when no limit applies), or how long until one frees
 * (the caller parks the job that long), or `done`: the guard's value, nothing taken.
 */
export async function takeSlot(
  limiter: RateLimiter,
  limits: readonly Limit[],
  o: TakeOptions = {},
): Promise<{ wait: number; slot?: Slot; done?: string }> {
  if (!limits.length && !o.guard) return { wait: 0 };
  let taken = await limiter.take(limits, o.now?.(), o.guard);
  const inPlace = o.waitInPlaceMs ?? 0;
  for (let tries = 0; taken.wait > 0 && taken.wait <= inPlace && tries < IN_PLACE_TRIES; tries++) {
    await new Promise((r) => setTimeout(r, taken.wait));
    taken = await limiter.take(limits, o.now?.(), o.guard);
  }
  if (taken.done !== undefined) return { wait: 0, done: taken.done };
  return { wait: taken.wait, slot: taken.slot ? { limits, id: taken.slot } : undefined };
}

export interface AfterSend<T> {
  /** The clock the limits count in (TakeOptions.now). */
  now?: () => number;
  /** Saving what was sent: runs beside the settle, both go to Redis in one write. */
  after?: (sent: T) => Promise<void>;
  /**
   * What was sent, written by the settle's own script (a message ref: one command, not two), or alone when no slot
   * was taken. Failing to write it fails the call, as a failing `after` does.
   */
  mark?: (sent: T) => Mark;
}

/**
 * Send while holding the slot. Sent or failed, the request reached the platform by the end: the slot counts from
 * then (a settle that fails only leaves the slot counted from when it was taken).
 */
export async function withSlot<T>(
  limiter: RateLimiter,
  slot: Slot | undefined,
  send: () => Promise<T>,
  o: AfterSend<T> = {},
): Promise<T> {
  const settle = async () => {
    if (slot) await limiter.settle(slot.limits, slot.id, o.now?.()).catch(() => undefined);
  };
  let sent: T;
  try {
    sent = await send();
  } catch (err) {
    await settle();
    throw err;
  }
  const mark = o.mark?.(sent);
  const settled = mark ? limiter.settle(slot?.limits ?? [], slot?.id ?? "", o.now?.(), mark) : settle();
  await Promise.all([settled, o.after?.(sent)]);
  return sent;
}

/** Give a slot back unused (the delivery turned out to have nothing to send). */
export async function cancelSlot(limiter: RateLimiter, slot: Slot | undefined): Promise<void> {
  if (slot) await limiter.cancel(slot.limits, slot.id);
}
