import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseLossless, stringify as stringifyLossless } from "lossless-json";
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

/**
 * POST each file at `rate` per second; fresh envelope ids unless keepIds (so deduplication does not drop them).
 * Each line says what the server answered (accepted, duplicates), never just "sent". A file that cannot be read
 * or parsed is named and counted as failed, and the rest still go.
 */
export async function sendEvents(o: {
  files: readonly string[];
  url: string;
  auth: Config["ingest"]["auth"];
  rate: number;
  keepIds: boolean;
  out: (line: string) => void;
}): Promise<ReplayTotals> {
  const headers = { "content-type": "application/json", ...authHeaders(o.auth) };
  const totals: ReplayTotals = { accepted: 0, duplicates: 0, failed: 0 };
  for (const file of o.files) {
    const started = Date.now();
    let body: string;
    try {
      body = eventBody(readFileSync(file, "utf8"), o.keepIds);
    } catch (err) {
      totals.failed++;
      o.out(`BAD ${file}: ${(err as Error).message}`);
      continue;
    }
    try {
      const res = await fetch(o.url, { method: "POST", headers, body });
      const text = await res.text();
      const answer = res.ok ? ingestAnswer(text) : undefined;
      if (answer) {
        totals.accepted += answer.accepted;
        totals.duplicates += answer.duplicates;
      } else totals.failed++;
      o.out(`${res.status} ${file}: ${answer ? describeAnswer(answer) : text}`);
    } catch (err) {
      totals.failed++;
      o.out(`ERR ${file}: ${(err as Error).message} (is the bot running at ${o.url}?)`);
    }
    const wait = 1000 / o.rate - (Date.now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  o.out(
    `${plural(o.files.length, "file")}: ${plural(totals.accepted, "event")} accepted, ` +
      `${plural(totals.duplicates, "duplicate")}, ${plural(totals.failed, "file")} failed`,
  );
  return totals;
}

export interface ReplayTotals {
  /** Events the bot queued. */
  accepted: number;
  /** Events the bot already had (same source and id within ingest.dedupeWindow): answered 202, not processed again. */
  duplicates: number;
  /** Files not read, refused or unanswered. */
  failed: number;
}

/** The 202 body of POST /dataworks/events; undefined when the answer is not one (a proxy's page, say). */
function ingestAnswer(text: string): { accepted: number; duplicates: number } | undefined {
  try {
    const b = JSON.parse(text) as { accepted?: unknown; duplicates?: unknown };
    if (typeof b.accepted === "number" && typeof b.duplicates === "number")
      return { accepted: b.accepted, duplicates: b.duplicates };
  } catch {}
  return undefined;
}

function describeAnswer(a: { accepted: number; duplicates: number }): string {
  const dup = a.duplicates ? `, ${plural(a.duplicates, "duplicate")} (already received: not processed again)` : "";
  return `${a.accepted} accepted${dup}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * The file's text with a fresh id on each event (an array gets one per element). Parsed and written back with
 * lossless-json: DataWorks ids beyond 2^53 must reach the bot exactly as they were in the file.
 */
export function eventBody(text: string, keepIds: boolean): string {
  const parsed = parseLossless(text);
  if (keepIds) return text;
  const events = Array.isArray(parsed) ? parsed : [parsed];
  for (const e of events) {
    if (!e || typeof e !== "object" || Array.isArray(e)) throw new Error("not an event object or a list of them");
    const event = e as Record<string, unknown>;
    if ("messageId" in event) event.messageId = randomUUID();
    else event.id = randomUUID();
  }
  return stringifyLossless(parsed) ?? "";
}

function authHeaders(auth: Config["ingest"]["auth"]): Record<string, string> {
  if (auth.tokens[0]) return { "x-eventbridge-signature-token": auth.tokens[0] };
  if (auth.bearerTokens[0]) return { authorization: `Bearer ${auth.bearerTokens[0]}` };
  const b = auth.basic[0];
  if (b) return { authorization: `Basic ${Buffer.from(`${b.username}:${b.password}`).toString("base64")}` };
  if (auth.apiKey) return { [auth.apiKey.header]: auth.apiKey.values[0] as string };
  return {};
}
