import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Checks Redis once first: without it every integration test fails on hook timeouts.
    globalSetup: ["test/helpers/redis-global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Each file starts its own bot, fakes and Redis prefix; two workers suit the 2-core CI machine.
    maxWorkers: 2,
    pool: "forks",
  },
});
