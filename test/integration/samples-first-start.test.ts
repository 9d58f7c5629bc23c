/**
 * Local mode end to end: `serve` with no config and no REDIS_URL, in a fresh working directory, so it starts its
 * own redis-server (AOF under .dw-chatops/) exactly as a newcomer's `npm start` does. The bundled samples make two
 * approvals; a restart of the same data directory must not send them again (2 → 4 → 6 before the fix).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { samplesMarker } from "../../src/cli/first-start.js";
import { type CliProcess, runCli } from "../helpers/cli-process.js";
import { waitFor } from "../helpers/wait.js";

const SAMPLE_APPROVALS = 2; // examples/events: 03-commit-file, 05-deploy-file

type Serve = CliProcess;

const serve = (cwd: string): Serve => runCli(["serve", "--port", "0"], { cwd, localRedis: true });

async function consoleUrl(s: Serve): Promise<string> {
  return waitFor(
    async () => /Local console[^\n]*?(http:\/\/127\.0\.0\.1:\d+)\/console/.exec(s.out.join(""))?.[1],
    "serve to print the console address",
    // Generous: two tsx start-ups and a redis-server on a loaded machine.
    60_000,
  );
}

async function feed(base: string): Promise<{ pending: number; entries: unknown[] }> {
  const r = await fetch(`${base}/console/api/feed`);
  return (await r.json()) as { pending: number; entries: unknown[] };
}

async function stop(s: Serve): Promise<void> {
  s.child.kill("SIGTERM");
  expect(await s.exited).toBe(0);
}

describe("local mode sends the samples on the first start of a data directory only", () => {
  const dir = mkdtempSync(join(tmpdir(), "dwc-samples-"));
  const running: Serve[] = [];
  afterAll(async () => {
    for (const s of running) if (s.child.exitCode === null) s.child.kill("SIGTERM");
    await Promise.all(running.map((s) => s.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  it("first start: samples sent; restart: none sent again, the pending approvals stay at 2", async () => {
    const first = serve(dir);
    running.push(first);
    const base1 = await consoleUrl(first);
    await waitFor(
      async () => ((await feed(base1)).pending === SAMPLE_APPROVALS ? true : undefined),
      "2 approvals",
      30_000,
    );
    // Every sample delivered (the feed holds them), so nothing is still on its way when it stops.
    await waitFor(
      async () => ((await feed(base1)).entries.length >= 6 ? true : undefined),
      "the samples delivered",
      30_000,
    );
    expect(first.out.join("")).toMatch(/Sending the sample events now/);
    await stop(first);

    const second = serve(dir);
    running.push(second);
    const base2 = await consoleUrl(second);
    const before = (await feed(base2)).entries.length;
    // Sending all six takes 1.2 s at 5 per second; wait well past that.
    await new Promise((r) => setTimeout(r, 4_000));
    const after = await feed(base2);
    expect(after.pending).toBe(SAMPLE_APPROVALS);
    expect(after.entries.length).toBe(before);
    expect(second.out.join("")).toMatch(/sent on the first start/);
    expect(existsSync(samplesMarker(join(dir, ".dw-chatops")))).toBe(true);
    await stop(second);
  }, 240_000);
});
