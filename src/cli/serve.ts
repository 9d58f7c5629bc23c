import { loadConfig } from "../config/load-config.js";
import { createLogger } from "../logger.js";
import { type LocalRedis, startLocalRedis } from "../redis/local-redis.js";
import { startRuntime } from "../runtime.js";
import { claimFirstStart, releaseFirstStart } from "./first-start.js";
import { localIngestToken, localTokenPath } from "./local-token.js";
import { eventFiles, sampleEventsDir, sendEvents } from "./replay.js";

export interface ServeOptions {
  configPath?: string;
  /** The HTTP server (ingest, callbacks, console, status pages, metrics). */
  http: boolean;
  /** BullMQ workers in this process; `serve --no-workers` leaves them to separate `worker` processes. */
  workers: boolean;
  /** Overrides server.port (two processes on one host). */
  port?: number;
  /** `worker` only: serve /healthz, /readyz and /metrics on this port. */
  metricsPort?: number;
  /** Local mode: replay the bundled sample events once the server is up (default true). */
  samples?: boolean;
}

/**
 * `serve` (HTTP + workers) and `worker` (workers only). With REDIS_URL unset, a private redis-server is
 * started under dataDir and stopped on exit. SIGTERM/SIGINT: stop accepting, finish in-flight jobs, close.
 */
export async function serveCommand(o: ServeOptions): Promise<number> {
  const loaded = loadConfig({ path: o.configPath, localToken: localIngestToken });
  const { path } = loaded;
  const config =
    o.port === undefined ? loaded.config : { ...loaded.config, server: { ...loaded.config.server, port: o.port } };
  const logger = createLogger(config.log.level);
  let local: LocalRedis | undefined;
  let redisUrl = config.redis.url;
  if (!redisUrl) {
    local = await startLocalRedis(config.dataDir);
    redisUrl = local.url;
    logger.info({ redis: redisUrl, dir: config.dataDir }, "REDIS_URL is unset: started a local redis-server");
  }
  // The runtime listens before it starts any worker: a port already taken ends the process here, with the address.
  const listenPort = o.http ? config.server.port : o.metricsPort;
  const runtime = await startRuntime({
    config,
    logger,
    redisUrl,
    http: o.http,
    workers: o.workers,
    listen: listenPort === undefined ? undefined : { host: config.server.host, port: listenPort },
  }).catch(async (err) => {
    await local?.stop();
    throw err;
  });
  if (o.http && runtime.app) {
    const addr = runtime.app.server.address();
    const port = typeof addr === "object" && addr ? addr.port : config.server.port;
    const host = config.server.host === "0.0.0.0" || config.server.host === "::" ? "127.0.0.1" : config.server.host;
    const base = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    logger.info(
      { url: `${base}${config.ingest.path}`, config: path ?? "local defaults", workers: o.workers },
      "dw-chatops is up",
    );
    const hasConsole = Object.values(config.destinations).some((d) => d.platform === "console");
    if (hasConsole) process.stderr.write(`\nLocal console (the console destination's channel): ${base}/console\n`);
    if (!path) {
      // Once per data directory: a restart must not pile up another set of sample approvals.
      const samples = (o.samples ?? true) && claimFirstStart(config.dataDir);
      const already = (o.samples ?? true) && !samples;
      process.stderr.write(
        `No config file: local defaults. Every event is also printed here.\n` +
          `The ingest token is in ${localTokenPath(config.dataDir)}. ` +
          `${
            samples
              ? "Sending the sample events now (first start of this data directory); send them again"
              : already
                ? `The sample events were sent on the first start of ${config.dataDir}; send them again`
                : "Send the sample events"
          } with:\n` +
          `  npx dw-chatops replay\n\n`,
      );
      if (samples) {
        // In the background: the server is up and the workers deliver while the samples arrive.
        void sendEvents({
          files: eventFiles(sampleEventsDir()),
          url: `${base}${config.ingest.path}`,
          auth: config.ingest.auth,
          rate: 5,
          keepIds: false,
          out: (line) => logger.info({ replay: line }, "sample event"),
        }).then(
          ({ accepted, duplicates }) => {
            if (accepted + duplicates === 0) releaseFirstStart(config.dataDir);
          },
          (err) => {
            releaseFirstStart(config.dataDir);
            logger.warn({ err }, "could not send the sample events");
          },
        );
      }
    }
  } else {
    logger.info({ config: path ?? "local defaults", metricsPort: o.metricsPort }, "dw-chatops worker is up");
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down: finishing in-flight jobs");
    const force = setTimeout(() => {
      logger.error("shutdown took more than 30 s; exiting");
      process.exit(1);
    }, 30_000);
    force.unref();
    try {
      await runtime.close();
      await local?.stop();
    } finally {
      logger.info("stopped");
      logger.flush?.();
      process.exitCode = 0;
    }
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  return -1;
}
