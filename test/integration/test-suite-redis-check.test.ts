/**
 * `npm test` with no Redis to reach must stop before the first test file, saying which Redis it tried and how to
 * start one — not after 30 s hook timeouts that never mention Redis. Runs vitest itself (one small test file) with
 * REDIS_URL at a port nothing listens on.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../helpers/free-port.js";

const ROOT = join(import.meta.dirname, "..", "..");

describe("the test suite checks Redis first", () => {
  it("fails at once, naming the Redis and how to start one", async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    // The outer run's vitest variables would make the inner vitest think it is a worker of this one.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST")));
    const child = spawn(
      process.execPath,
      [join(ROOT, "node_modules/vitest/vitest.mjs"), "run", "test/unit/boundaries.test.ts"],
      { cwd: ROOT, env: { ...env, REDIS_URL: url, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((r) => child.once("exit", r));
    expect(code, out).not.toBe(0);
    expect(out).toContain(`Redis is not reachable at ${url}`);
    // The start command names the port the suite will look at, not always 6379.
    expect(out).toContain(`redis-server --daemonize yes --bind 127.0.0.1 --port ${port} `);
    expect(out).toContain("REDIS_URL=");
    // Stopped before any test file ran.
    expect(out).not.toMatch(/boundaries\.test\.ts.*\d+ tests?/);
  }, 60_000);
});
