/** Poll until the check passes (returns truthy) or the timeout elapses; then throw with the description. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  /** What is awaited; a function when the description is only known at the end (a process's output so far). */
  what: string | (() => string),
  timeoutMs = 10_000,
  everyMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const described = typeof what === "function" ? what() : what;
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${described}${last ? `: ${(last as Error).message}` : ""}`,
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Wait until `count()` reaches `target`, for as long as it keeps growing: fails when it has not grown for `stallMs`.
 * For work whose length is set by the system under test (a rate-limited drain), which a loaded machine stretches:
 * what is awaited is progress, not a wall-clock budget, and a stop (a lost message) still fails within `stallMs`.
 */
export async function waitForProgress(
  count: () => number,
  target: number,
  what: string,
  stallMs: number,
  everyMs = 25,
): Promise<void> {
  let last = count();
  let grewAt = Date.now();
  while (last < target) {
    if (Date.now() - grewAt > stallMs)
      throw new Error(`no progress for ${stallMs} ms waiting for ${what}: ${last} of ${target}`);
    await new Promise((r) => setTimeout(r, everyMs));
    const now = count();
    if (now > last) grewAt = Date.now();
    last = now;
  }
}
