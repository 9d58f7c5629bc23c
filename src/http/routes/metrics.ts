import Fastify, { type FastifyInstance } from "fastify";
import type { Metrics } from "../../metrics.js";
import { type HealthDeps, healthRoutes } from "./health.js";

/**
 * GET /metrics in the Prometheus text format. It says nothing secret, but it does describe traffic: bind the
 * server to a private address or filter /metrics at the load balancer when the bot faces the Internet.
 */
export async function metricsRoute(app: FastifyInstance, metrics: Metrics) {
  app.get("/metrics", async (_req, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).header("cache-control", "no-store").send(body);
  });
}

/**
 * For `dw-chatops worker --metrics-port N`: a process without the ingest server still exposes its own
 * counters (the deliveries happen in workers) and health, so Prometheus and orchestrators can watch it.
 */
export async function buildOpsApp(deps: { metrics: Metrics } & HealthDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, return503OnClosing: true, forceCloseConnections: "idle" });
  await app.register(async (scope) => healthRoutes(scope, deps));
  await app.register(async (scope) => metricsRoute(scope, deps.metrics));
  return app;
}
