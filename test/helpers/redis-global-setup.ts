/**
 * vitest globalSetup: every integration test needs Redis, so check it once before the first file runs. Without
 * this, a missing Redis shows up as 30 s hook timeouts that never mention Redis. Its teardown kills the servers a
 * test file left running (left-behind.ts).
 */
import { Redis } from "ioredis";
import { leftBehind } from "./left-behind.js";
import { TEST_REDIS_URL } from "./redis.js";

export default async function checkRedis(): Promise<() => void> {
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 3_000,
    commandTimeout: 3_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let why = "";
  redis.on("error", (err: Error) => {
    why ||= err.message;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    // Printed and exited here: a throwing globalSetup is reported under "No test files found", which misleads.
    const port = startablePort(TEST_REDIS_URL);
    process.stderr.write(
      `\nRedis is not reachable at ${TEST_REDIS_URL} (${why || (err as Error).message}); the tests need Redis >= 6.2.\n` +
        "Start one on this machine (no persistence; the tests use their own key prefixes):\n" +
        `  redis-server --daemonize yes --bind 127.0.0.1 --port ${port} --save "" --appendonly no\n` +
        "  (install: apt-get install redis-server / brew install redis; or docker run -d -p 6379:6379 redis:7)\n" +
        "or point the tests at another: REDIS_URL=redis://host:6379 npm test\n\n",
    );
    process.exit(1);
  } finally {
    redis.disconnect();
  }
  return () => {
    const killed = leftBehind.killAll();
    if (killed) process.stderr.write(`killed ${killed} redis-server(s) a test file left running\n`);
  };
}

/** The port to start a local Redis on: REDIS_URL's own when it names this machine, else Redis' default. */
function startablePort(url: string): string {
  try {
    const u = new URL(url);
    return ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname) && u.port ? u.port : "6379";
  } catch {
    return "6379";
  }
}
