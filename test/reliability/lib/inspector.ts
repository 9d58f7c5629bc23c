/** Memory of a bot process after a real full GC, through the V8 inspector it was started with (Chrome DevTools Protocol). */
import WebSocket from "ws";

export interface Memory {
  rss: number;
  heapUsed: number;
}

export async function memoryAfterGc(wsUrl: string): Promise<Memory> {
  const ws = new WebSocket(wsUrl);
  await new Promise((r, j) => {
    ws.once("open", r);
    ws.once("error", j);
  });
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const my = ++id;
      const onMessage = (data: WebSocket.RawData) => {
        const msg = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown>; error?: unknown };
        if (msg.id !== my) return;
        ws.off("message", onMessage);
        if (msg.error) reject(new Error(JSON.stringify(msg.error)));
        else resolve(msg.result ?? {});
      };
      ws.on("message", onMessage);
      ws.send(JSON.stringify({ id: my, method, params }));
    });
  try {
    // Twice: the first pass can leave finalizable objects that a second collects.
    await call("HeapProfiler.collectGarbage");
    await call("HeapProfiler.collectGarbage");
    const r = await call("Runtime.evaluate", {
      expression: "JSON.stringify(process.memoryUsage())",
      returnByValue: true,
    });
    const m = JSON.parse(String((r.result as { value: string }).value)) as Memory;
    return { rss: m.rss, heapUsed: m.heapUsed };
  } finally {
    ws.close();
  }
}

export const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
