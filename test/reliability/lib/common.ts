/** What every scenario shares: the configured secrets (scenario 9 looks for each), a base config, posting, figures. */
import { randomUUID } from "node:crypto";
import { Pool } from "undici";
import { fixture } from "../../helpers/fixtures.js";
import { waitFor } from "../../helpers/wait.js";

/**
 * Every secret any scenario configures. Distinctive values, so a hit in a log is never a coincidence.
 * Scenario 9 scans all process logs for each of them.
 */
export const SECRETS = {
  ingestToken: "rel-ingest-token-7c1f0e9a4b2d",
  slackToken: "xoxb-rel-slack-token-5e8d2a1c9f",
  slackSigning: "rel-slack-signing-3b6e9d0c7a14",
  larkAppSecret: "rel-lark-app-secret-8d2f4a6c1e",
  larkEncryptKey: "rel-lark-encrypt-key-0a9c7e5b3d",
  larkVerificationToken: "rel-lark-verify-token-6f1b3d8e2a",
  dwAccessKeyId: "LTAIrelAccessKeyId01",
  dwAccessKeySecret: "rel-dw-ak-secret-4c7a9e2f0b6d",
} as const;

export const SLACK_CHANNEL = "C0RELIABLE";
export const LARK_CHAT = "oc_reliability0001";
export const LARK_APP_ID = "cli_reliability0001";

export interface Figure {
  measure: string;
  value: string | number;
  /** Whether the figure meets the scenario's requirement (undefined: informational). */
  ok?: boolean;
}

export interface ScenarioContext {
  /** The suite's private redis-server. */
  redisUrl: string;
  prefix: string;
  log(line: string): void;
}

export interface Scenario {
  id: string;
  title: string;
  run(ctx: ScenarioContext): Promise<Figure[]>;
}

/** The base of every bot config in the suite: loopback only, the private Redis, enrichment off. */
export function baseConfig(ctx: ScenarioContext, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    dataDir: `${process.env.TMPDIR ?? "/tmp"}/dwc-reliability-data`,
    log: { level: "info" },
    server: { host: "127.0.0.1" },
    redis: { url: ctx.redisUrl, prefix: ctx.prefix },
    ingest: { auth: { tokens: [SECRETS.ingestToken] } },
    enrich: { enabled: false },
    worker: { concurrency: 16, attempts: 8, backoffMs: 200 },
    ...extra,
  };
}

/** A failed-instance event for a node of its own, so every event is one recognisable message ("Instance <taskId>"). */
export function failedInstance(n: number): Record<string, unknown> {
  const base = fixture("instance-status-changes");
  return {
    ...base,
    id: randomUUID(),
    data: { ...(base.data as object), nodeId: 710_000_000_000 + n, taskId: 530_000_000_000 + n },
  };
}

export const taskIdOf = (text: string): string | undefined => /Instance (53\d{10})/.exec(text)?.[1];

/** EventBridge-like sender: keep-alive connections, the target's token, and retries on 5xx/network errors. */
export class Sender {
  private readonly pool: Pool;
  readonly path = "/dataworks/events";
  stats = { accepted: 0, duplicates: 0, retried: 0, refused: 0 };

  constructor(url: string, connections = 16) {
    this.pool = new Pool(url, { connections });
  }

  async post(
    body: unknown,
    o: { headers?: Record<string, string>; retryUntil?: number } = {},
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    for (;;) {
      let status = 0;
      let json: Record<string, unknown> = {};
      try {
        const res = await this.pool.request({
          method: "POST",
          path: this.path,
          headers: {
            "content-type": "application/json",
            "x-eventbridge-signature-token": SECRETS.ingestToken,
            ...o.headers,
          },
          body: typeof body === "string" ? body : JSON.stringify(body),
        });
        status = res.statusCode;
        json = (await res.body.json().catch(() => ({}))) as Record<string, unknown>;
      } catch {
        status = 0;
      }
      if (status === 202) {
        this.stats.accepted += Number(json.accepted ?? 0);
        this.stats.duplicates += Number(json.duplicates ?? 0);
        return { status, json };
      }
      // EventBridge retries 5xx and network errors (EXPONENTIAL_DECAY_RETRY); we retry quickly, within the budget.
      if ((status === 0 || status >= 500) && o.retryUntil && Date.now() < o.retryUntil) {
        this.stats.retried++;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      this.stats.refused++;
      return { status, json };
    }
  }

  close() {
    return this.pool.close();
  }
}

/** Run `fn` over items with at most `n` in flight. */
export async function pooled<T>(items: readonly T[], n: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

/** Largest number of timestamps inside any window of `windowMs` (a sliding check, stricter than fixed buckets). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while ((t[hi] as number) - (t[lo] as number) >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Wait (generously) until an effect that comes later in the bot's path has arrived, before a figure counts it.
 * On timeout it carries on, so the table shows the shortfall as a failed figure.
 */
export async function arrived(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<void> {
  await waitFor(check, what, timeoutMs, everyMs).catch(() => undefined);
}
