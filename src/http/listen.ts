import type { FastifyInstance } from "fastify";
import { AppError } from "../core/errors.js";

/**
 * Listen, or fail naming the address: a process whose HTTP server cannot start must stop, not run its workers
 * headless (no ingest, no clicks, no health checks for the orchestrator to act on).
 */
export async function listenOn(app: FastifyInstance, at: { host: string; port: number }): Promise<void> {
  try {
    await app.listen(at);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const address = `${at.host.includes(":") ? `[${at.host}]` : at.host}:${at.port}`;
    const hint =
      e.code === "EADDRINUSE"
        ? " (another process is using this port: stop it or choose another port)"
        : e.code === "EACCES"
          ? " (ports below 1024 need privileges: choose a higher port)"
          : "";
    throw new AppError("LISTEN_FAILED", `cannot listen on ${address}: ${e.message}${hint}`, { cause: err });
  }
}
