import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../config/load-config.js";
import type { Config } from "../config/schema.js";
import { AppError } from "../core/errors.js";
import { packageRoot } from "../package-root.js";
import { localIngestToken } from "./local-token.js";

/** The sample events shipped with the package (replayed by `serve` in local mode, and by `replay` by default). */
export function sampleEventsDir(): string {
  return join(packageRoot(), "examples", "events");
}

/** Send fixture events to a running bot, authenticated the way the config expects. */
export async function replayCommand(o: {
  configPath?: string;
  path?: string;
  rate?: string;
  url?: string;
  keepIds: boolean;
}): Promise<number> {
  const { config } = loadConfig({ path: o.configPath, localToken: localIngestToken });
  const rate = Number(o.rate ?? 5);
  if (!(rate > 0)) throw new AppError("USAGE", "--rate must be a positive number of events per second");
  const host = config.server.host === "0.0.0.0" || config.server.host === "::" ? "127.0.0.1" : config.server.host;
  const { failed } = await sendEvents({
    files: eventFiles(o.path ?? sampleEventsDir()),
    url: o.url ?? `http://${host}:${config.server.port}${config.ingest.path}`,
    auth: config.ingest.auth,
    rate,
    keepIds: o.keepIds,
    out: (line) => process.stdout.write(`${line}\n`),
  });
  return failed ? 1 : 0;
}

/** A JSON file, or every *.json in a directory, in name order. */
export function eventFiles(path: string): string[] {
  return statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => join(path, f))
    : [path];
}

/** POST each file at `rate` per second; fresh envelope ids unless keepIds (so deduplication does not drop them). */
export async function sendEvents(o: {
  files: readonly string[];
  url: string;
  auth: Config["ingest"]["auth"];
  rate: number;
  keepIds: boolean;
  out: (line: string) => void;
}): Promise<{ sent: number; failed: number }> {
  const headers = { "content-type": "application/json", ...authHeaders(o.auth) };
  let failed = 0;
  for (const file of o.files) {
    const started = Date.now();
    const body = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    if (!o.keepIds) {
      if ("messageId" in body) body.messageId = randomUUID();
      else body.id = randomUUID();
    }
    try {
      const res = await fetch(o.url, { method: "POST", headers, body: JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) failed++;
      o.out(`${res.status} ${file}${res.ok ? "" : `: ${text}`}`);
    } catch (err) {
      failed++;
      o.out(`ERR ${file}: ${(err as Error).message} (is the bot running at ${o.url}?)`);
    }
    const wait = 1000 / o.rate - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  o.out(`${o.files.length - failed} sent, ${failed} failed`);
  return { sent: o.files.length - failed, failed };
}

function authHeaders(auth: Config["ingest"]["auth"]): Record<string, string> {
  if (auth.tokens[0]) return { "x-eventbridge-signature-token": auth.tokens[0] };
  if (auth.bearerTokens[0]) return { authorization: `Bearer ${auth.bearerTokens[0]}` };
  const b = auth.basic[0];
  if (b) return { authorization: `Basic ${Buffer.from(`${b.username}:${b.password}`).toString("base64")}` };
  if (auth.apiKey) return { [auth.apiKey.header]: auth.apiKey.values[0] as string };
  return {};
}
