import type { FastifyInstance } from "fastify";

export interface HealthDeps {
  /** Redis reachable and workers running (when this process runs workers). */
  ready: () => Promise<{ ok: boolean; checks: Record<string, boolean | string> }>;
}

/** What readiness asks: each answers true, or why not. */
export interface ReadinessParts {
  /** Redis answers within the probe's timeout. */
  redis: { check(): Promise<true | string> };
  /** Behind the jobs or the state it meets (an older release during a rolling upgrade): hold the rollout. */
  format: { check(): true | string };
  /** Only for a process that runs workers: they run (undefined while not started yet). */
  workers?: () => { running(): boolean } | undefined;
}

/** Readiness (/readyz): Redis answers, the workers run (when this process runs them), the format is not behind. */
export function readiness(p: ReadinessParts): HealthDeps["ready"] {
  return async () => {
    const checks: Record<string, boolean | string> = { redis: await p.redis.check() };
    if (p.workers) checks.workers = p.workers()?.running() ?? false;
    checks.format = p.format.check();
    return { ok: Object.values(checks).every((v) => v === true), checks };
  };
}

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps) {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const r = await deps.ready();
    return reply.code(r.ok ? 200 : 503).send({ status: r.ok ? "ready" : "not_ready", checks: r.checks });
  });
}
