/** One line of `dw-chatops doctor`: what was checked, what was found, and what to do when it is not right. */
export interface CheckLine {
  status: "ok" | "warn" | "fail" | "skip";
  item: string;
  detail: string;
  fix?: string;
}

export const ok = (item: string, detail: string): CheckLine => ({ status: "ok", item, detail });
export const warn = (item: string, detail: string, fix?: string): CheckLine => ({ status: "warn", item, detail, fix });
export const fail = (item: string, detail: string, fix?: string): CheckLine => ({ status: "fail", item, detail, fix });
export const skip = (item: string, detail: string): CheckLine => ({ status: "skip", item, detail });

/** A JSON answer over HTTP within `timeoutMs`; throws a plain one-line error (never echoing credentials). */
export async function fetchJson(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; timeoutMs: number },
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: init.method ?? "GET",
    headers: {
      ...(init.body !== undefined ? { "content-type": "application/json; charset=utf-8" } : {}),
      ...init.headers,
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    signal: AbortSignal.timeout(init.timeoutMs),
  }).catch((err: Error) => {
    throw new Error(
      err.name === "TimeoutError"
        ? `no answer within ${init.timeoutMs} ms`
        : `cannot reach ${new URL(url).host}: ${err.message}`,
    );
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    throw new Error(`HTTP ${res.status}, not JSON`);
  }
  return { status: res.status, headers: res.headers, body };
}

export const message = (err: unknown) => String((err as Error)?.message ?? err).split("\n")[0] ?? "";
