/**
 * A process that cannot listen must stop at start-up, non-zero, naming the address — never run its workers with
 * no HTTP server. The real CLI (under tsx) against a port another socket holds; an event waiting in the queue
 * proves no worker of the failed process ever ran.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { type EventJobData, QUEUES } from "../../src/jobs/queues.js";
import { createRedis } from "../../src/redis/connect.js";
import { consoleOnlyConfig } from "../helpers/console-config.js";
import { runCli } from "../helpers/cli-process.js";
import { freshEvent } from "../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";

/** The exit code, or "still running" after timeoutMs (then the process is killed). */
function exitCode(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  return new Promise((res) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      res("still running");
    }, timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      res(code ?? String(signal));
    });
  });
}

describe("a listen failure stops the process before its workers start", () => {
  const prefix = testPrefix();
  const dir = mkdtempSync(join(tmpdir(), "dwc-listen-"));
  const config = join(dir, "dw-chatops.yaml");
  const blocker: Server = createServer();
  const connection = createRedis(TEST_REDIS_URL, { enableAutoPipelining: false });
  const events = new Queue<EventJobData>(QUEUES.events, { connection, prefix });
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    port = (blocker.address() as { port: number }).port;
    writeFileSync(
      config,
      stringify(consoleOnlyConfig({ dir, port, prefix, ingestToken: "listen-failure-ingest-token-0123" })),
    );
    const event = freshEvent("instance-status-changes") as unknown as EventJobData["event"];
    await events.add("event", { event, receivedAt: Date.now() });
  });
  afterAll(async () => {
    await events.close();
    connection.disconnect();
    blocker.close();
    await deleteKeys(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, () => string[], RegExp]> = [
    ["serve", () => ["serve", "--config", config], /dw-chatops is up/],
    ["serve --port", () => ["serve", "--config", config, "--port", String(port)], /dw-chatops is up/],
    [
      "worker --metrics-port",
      () => ["worker", "--config", config, "--metrics-port", String(port)],
      /dw-chatops worker is up/,
    ],
  ];
  for (const [name, args, up] of cases) {
    it(`${name} on a taken port exits 1 naming the address`, async () => {
      const p = runCli(args());
      // Generous: the CLI under tsx takes 10 s and more to start on a busy machine; a headless process never exits.
      expect(await exitCode(p.child, 45_000)).toBe(1);
      const out = p.out.join("");
      expect(out).toContain(`cannot listen on 127.0.0.1:${port}`);
      expect(out).toContain("EADDRINUSE");
      expect(out).not.toMatch(up);
      // The waiting event was never taken by a worker of the failed process.
      expect(await events.getJobCounts("waiting", "active", "completed", "failed")).toEqual({
        waiting: 1,
        active: 0,
        completed: 0,
        failed: 0,
      });
    }, 60_000);
  }
});
