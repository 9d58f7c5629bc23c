import { describe, expect, it } from "vitest";
import { readiness } from "../../src/http/routes/health.js";

const redisUp = { check: async () => true as const };
const formatOk = { check: () => true as const };

describe("readiness (/readyz)", () => {
  it("is ready when Redis answers, the workers run and the format is not behind", async () => {
    const ready = readiness({ redis: redisUp, format: formatOk, workers: () => ({ running: () => true }) });
    expect(await ready()).toEqual({ ok: true, checks: { redis: true, workers: true, format: true } });
  });

  it("says why not: Redis, workers not started yet, a format behind", async () => {
    const ready = readiness({
      redis: { check: async () => "no answer within 500 ms" },
      format: { check: () => "jobs of format 2 seen; this process handles 1" },
      workers: () => undefined,
    });
    expect(await ready()).toEqual({
      ok: false,
      checks: {
        redis: "no answer within 500 ms",
        workers: false,
        format: "jobs of format 2 seen; this process handles 1",
      },
    });
  });

  it("does not ask about workers in a process that runs none", async () => {
    expect(await readiness({ redis: redisUp, format: formatOk })()).toEqual({
      ok: true,
      checks: { redis: true, format: true },
    });
  });
});
