/**
 * Redis MONITOR on a socket of its own, not ioredis' monitor(): ioredis 6.0 enters its monitoring mode a microtask
 * after MONITOR's OK, so monitor lines that arrive in the same read as the OK reach its empty command queue and are
 * thrown as "Command queue state error" with no listener to take them (seen in CI while other tests kept Redis busy).
 * Resolves once Redis has answered OK: every command sent after that is reported, in order.
 */
import { connect } from "node:net";

export type MonitorListener = (time: string, args: string[], source: string) => void;

export interface Monitor {
  on(event: "monitor", listener: MonitorListener): void;
  disconnect(): void;
}

export async function monitorRedis(url: string): Promise<Monitor> {
  const u = new URL(url);
  const socket = connect(Number(u.port || 6379), u.hostname);
  const listeners: MonitorListener[] = [];
  const auth = u.password
    ? `AUTH ${[u.username, u.password].filter(Boolean).map(decodeURIComponent).join(" ")}\r\n`
    : "";
  // AUTH's OK, if sent, then MONITOR's; an error reply before them (a refused AUTH) fails the start.
  let oks = auth ? 2 : 1;
  const started = Promise.withResolvers<void>();
  socket.once("error", started.reject);
  let buffered = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => {
    buffered += chunk;
    for (let end = buffered.indexOf("\r\n"); end >= 0; end = buffered.indexOf("\r\n")) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (oks > 0) {
        if (line !== "+OK") started.reject(new Error(`MONITOR on ${u.host} refused: ${line}`));
        else if (--oks === 0) started.resolve();
        continue;
      }
      const parsed = line.startsWith("+") ? parseLine(line.slice(1)) : undefined;
      if (parsed) for (const l of listeners) l(parsed.time, parsed.args, parsed.source);
    }
  });
  socket.on("error", () => undefined); // after start: the test disconnects it
  socket.write(`${auth}MONITOR\r\n`);
  try {
    await started.promise;
  } catch (err) {
    socket.destroy();
    throw err;
  }
  return {
    on: (_event, listener) => void listeners.push(listener),
    disconnect: () => socket.destroy(),
  };
}

/** `1339518083.107412 [0 127.0.0.1:60866] "keys" "*"`: the arguments as Redis quoted them (sdscatrepr). */
function parseLine(line: string): { time: string; args: string[]; source: string } | undefined {
  const m = /^(\S+) \[\d+ ([^\]]+)\] /.exec(line);
  if (!m) return undefined;
  const args: string[] = [];
  let i = m[0].length;
  while (i < line.length) {
    if (line[i] !== '"') break;
    let arg = "";
    for (i++; i < line.length && line[i] !== '"'; i++) {
      if (line[i] !== "\\") {
        arg += line[i];
        continue;
      }
      const c = line[++i];
      if (c === "x") {
        arg += String.fromCharCode(Number.parseInt(line.slice(i + 1, i + 3), 16));
        i += 2;
      } else arg += ({ n: "\n", r: "\r", t: "\t", a: "\x07", b: "\b" } as Record<string, string>)[c ?? ""] ?? c;
    }
    args.push(arg);
    i += 2; // the closing quote and the space
  }
  return { time: m[1] as string, args, source: m[2] as string };
}
