/**
 * A private redis-server for a test or the reliability suite (never the shared 6379): its own free port,
 * appendonly on in a temp dir, noeviction. restart() stops it (SHUTDOWN: the AOF is flushed, like a planned
 * restart or failover) and starts it again on the same port and dir. pause() freezes it (SIGSTOP): connections
 * stay open and nothing answers, like a hung server or a black-holed network.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";
import { leftBehind } from "./left-behind.js";
import { sleep, waitFor } from "./wait.js";

export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), "dwc-redis-"));
  port = 0;
  private child?: ChildProcess;

  private readonly extraArgs: (dir: string) => string[];

  /** extraArgs: more redis-server options (a cluster node, a replica); a config file first makes it a Sentinel. */
  constructor(extraArgs: (dir: string) => string[] = () => []) {
    this.extraArgs = extraArgs;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const extra = this.extraArgs(this.dir);
    const conf = extra[0]?.startsWith("--") ? [] : extra.splice(0, 1);
    this.child = spawn(
      "redis-server",
      [
        ...conf,
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--appendonly",
        "yes",
        "--dir",
        this.dir,
        "--save",
        "",
        "--maxmemory-policy",
        "noeviction",
        ...extra,
      ],
      { stdio: "ignore" },
    );
    leftBehind.add(this.child);
    await waitFor(async () => {
      const r = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on("error", () => undefined);
      try {
        await r.connect();
        return (await r.ping()) === "PONG";
      } finally {
        r.disconnect();
      }
    }, `redis-server on ${this.port}`);
  }

  /** Crash: SIGKILL, nothing flushed, nothing handed over. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGKILL");
    await exited;
  }

  /** Planned stop: SIGTERM makes redis-server flush the AOF and exit. */
  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    c.kill("SIGCONT"); // a paused server handles the SIGTERM once it runs again
    await exited;
  }

  /** Hung: the process is stopped (SIGSTOP), its sockets stay open, no command is answered until resume(). */
  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  resume(): void {
    this.child?.kill("SIGCONT");
  }

  /** Down for `downMs`, then up again with the same data. Returns how long it was unreachable. */
  async restart(downMs: number): Promise<number> {
    const t0 = Date.now();
    await this.stop();
    await sleep(downMs);
    await this.start();
    return Date.now() - t0;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
