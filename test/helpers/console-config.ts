import { join } from "node:path";
import { TEST_REDIS_URL } from "./redis.js";

/** A config file's contents for the real CLI: everything to the console, on the test Redis under `prefix`. */
export function consoleOnlyConfig(o: { dir: string; port: number; prefix: string; ingestToken: string }) {
  return {
    dataDir: join(o.dir, "data"),
    log: { level: "info" },
    server: { host: "127.0.0.1", port: o.port },
    redis: { url: TEST_REDIS_URL, prefix: o.prefix },
    ingest: { auth: { tokens: [o.ingestToken] } },
    destinations: { console: { platform: "console" } },
    routes: [{ name: "all", destinations: ["console"] }],
  };
}
