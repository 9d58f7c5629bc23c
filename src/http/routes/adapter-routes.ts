import type { FastifyInstance, FastifyRequest } from "fastify";
import type { AdapterRoute } from "../../core/chat-adapter.js";

/**
 * Mount adapters' HTTP endpoints (Slack interactivity, Lark callbacks). Bodies stay raw bytes of any content
 * type: each adapter verifies its platform's signature over exactly what was sent.
 */
export async function adapterRoutes(app: FastifyInstance, routes: readonly AdapterRoute[]) {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "*",
    { parseAs: "buffer" },
    (_req: FastifyRequest, body: Buffer | string, done: (err: null, b: Buffer | string) => void) => done(null, body),
  );
  for (const r of routes) {
    app.post(r.path, async (req, reply) => {
      const res = await r.handle({
        method: req.method,
        path: r.path,
        headers: req.headers,
        rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.from(typeof req.body === "string" ? req.body : ""),
      });
      if (res.headers) reply.headers(res.headers);
      reply.code(res.status);
      return typeof res.body === "string"
        ? reply.type(res.headers?.["content-type"] ?? "text/plain").send(res.body)
        : reply.send(res.body ?? "");
    });
  }
}
