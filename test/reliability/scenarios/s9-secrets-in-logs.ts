/**
 * 9. The logs of the whole run (every process's stdout and stderr, at info or debug) scanned for every configured
 * secret, as written and URL-encoded: zero hits. Runs last, over what the other scenarios left in LOG_DIR.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Scenario, SECRETS } from "../lib/common.js";
import { LOG_DIR } from "../lib/procs.js";

export const secretsInLogs: Scenario = {
  id: "9",
  title: "every configured secret searched in the logs of the whole run",
  async run() {
    const files = readdirSync(LOG_DIR).filter((f) => f.endsWith(".log"));
    let bytes = 0;
    let lines = 0;
    const hits: string[] = [];
    for (const f of files) {
      const text = readFileSync(join(LOG_DIR, f), "utf8");
      bytes += text.length;
      lines += text.split("\n").length;
      for (const [name, value] of Object.entries(SECRETS)) {
        for (const form of new Set([value, encodeURIComponent(value)]))
          if (text.includes(form)) hits.push(`${name} in ${f}`);
      }
    }
    return [
      {
        measure: "process logs scanned",
        value: `${files.length} files, ${lines} lines, ${(bytes / 1048576).toFixed(1)} MiB`,
      },
      { measure: "secrets searched", value: Object.keys(SECRETS).join(", ") },
      { measure: "hits", value: hits.length ? hits.join("; ") : 0, ok: hits.length === 0 && files.length > 0 },
    ];
  },
};
