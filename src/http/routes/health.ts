import type { FastifyInstance } from "fastify";

export interface HealthDeps {
  /** Redis reachable and workers running (when this process runs workers). */
  ready: () => Promise<{ ok: boolean; checks: Record<string, boolean | string> }>;
}

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps) {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_req, reply) => {
    const r = await deps.ready();
    return reply.code(r.ok ? 200 : 503).send({ status: r.ok ? "ready" : "not_ready", checks: r.checks });
  });
}
