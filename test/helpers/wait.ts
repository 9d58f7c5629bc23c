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
