import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "../logger.js";

/** One JSON error shape for every endpoint: a stable code and a message that says what to fix. */
export function sendError(reply: FastifyReply, status: number, error: string, message: string, details?: unknown) {
  return reply.code(status).send({ error, message, ...(details ? { details } : {}) });
}

/** Fastify's own failures (size, media type) mapped to clear answers instead of generic 500s. */
export const errorHandler = (logger: Logger) => (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
  switch (err.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return sendError(
        reply,
        413,
        "payload_too_large",
        `the body is larger than the ${req.routeOptions.bodyLimit ?? "configured"} byte limit (server.bodyLimitBytes)`,
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return sendError(
        reply,
        415,
        "unsupported_media_type",
        `content-type ${JSON.stringify(req.headers["content-type"] ?? "")} is not accepted here: send application/json`,
      );
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return sendError(reply, 400, "bad_request", err.message);
  }
  if ((err.statusCode ?? 500) < 500) return sendError(reply, err.statusCode ?? 400, "bad_request", err.message);
  logger.error({ err, method: req.method, url: req.url.split("?")[0] }, "unhandled error");
  return sendError(reply, 500, "internal_error", "the bot failed to handle this request; it was logged");
};
