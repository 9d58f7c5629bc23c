import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * A TCP port free on 127.0.0.1 right now, below the kernel's ephemeral range. One the OS picks (port 0) is
 * released before its user binds it, and meanwhile any socket bound to port 0 may take it: once, a child's own
 * `--inspect=127.0.0.1:0` did (the reliability run's s8, EADDRINUSE). Below that range only an explicit bind can.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let tries = 0; tries < 100; tries++) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port found between 10000 and ${low}`);
}

/** The first port of the kernel's ephemeral range (net.ipv4.ip_local_port_range); Linux's default elsewhere. */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 11_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once("error", () => res(false));
    s.listen(port, "127.0.0.1", () => s.close(() => res(true)));
  });
}
