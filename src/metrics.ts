/**
 * The bot's Prometheus metrics, on a registry the composition root creates and passes down (never the
 * global default one, so two runtimes in one process — tests — never share counters). Each call site is one
 * line: `deps.metrics?.messagesSent.inc({ platform })`.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { observeRedis, type RedisSources } from "./metrics-from-redis.js";

const P = "dwc_";

export interface Metrics {
  registry: Registry;
  /** Events that passed authentication and validation: outcome accepted | duplicate. */
  eventsReceived: Counter<"outcome">;
  /** Requests refused at ingest, by the error code answered (unauthorized, invalid_json, payload_too_large, …). */
  eventsRejected: Counter<"reason">;
  /** Messages posted or updated, by platform and job kind (deliver, approval-card, approval-update, approval-alert). */
  messagesSent: Counter<"platform" | "kind">;
  /** Deliveries kept in the failed set: permanent (the platform refused) or exhausted (attempts used up). */
  messagesFailed: Counter<"platform" | "reason">;
  /** Deliveries that failed and will be tried again with backoff. */
  messagesRetried: Counter<"platform">;
  /**
   * Deliveries parked instead of sent: reason "outbox" = our own limit or digest interval held them,
   * "throttled" = the platform answered too fast (Retry-After and the like).
   */
  rateLimitWaits: Counter<"platform" | "reason">;
  /** Events per digest message sent under a burst. */
  digestSize: Histogram<"platform">;
  /** Time from an approval's creation to its decision, by who decided (human, policy, timeout, unmatched). */
  decisionLatency: Histogram<"decided_by">;
  /** Time from a decision to DataWorks accepting it. */
  dataworksReturnLatency: Histogram<never>;
  /** DataWorks OpenAPI failures while returning decisions, by error code and whether it is retried. */
  dataworksErrors: Counter<"code" | "retryable">;
  /** Count a request's accepted and duplicate events. */
  countReceived(r: { accepted: readonly unknown[]; duplicates: readonly unknown[] }): void;
  /** Count an ingest reply of 4xx/5xx by its error code; returns the payload unchanged (an onSend hook). */
  countIngestReply<T>(status: number, payload: T): T;
  /** Jobs this process left for a newer release (a rolling upgrade under way, or a rollback), by queue and format. */
  jobsLeftForNewer: Counter<"queue" | "format">;
  /** Register dwc_format_behind: 1 while this process is older than the jobs or the Redis state it meets. */
  observeFormat(check: () => true | string): void;
  /** Register the gauges that come from Redis (queue depths and ages, pending approvals, dwc_redis_up). */
  observe(sources: RedisSources): void;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: P });
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name: P + name, help, labelNames, registers });
  const m: Metrics = {
    registry,
    eventsReceived: counter("events_received_total", "Valid DataWorks events received, by outcome", ["outcome"]),
    eventsRejected: counter("events_rejected_total", "Ingest requests refused, by reason", ["reason"]),
    messagesSent: counter("messages_sent_total", "Chat messages posted or updated", ["platform", "kind"]),
    messagesFailed: counter("messages_failed_total", "Deliveries that failed for good", ["platform", "reason"]),
    messagesRetried: counter("messages_retried_total", "Deliveries retried after an error", ["platform"]),
    rateLimitWaits: counter("rate_limit_waits_total", "Deliveries parked by a rate limit, ours or the platform's", [
      "platform",
      "reason",
    ]),
    digestSize: new Histogram({
      name: `${P}digest_events`,
      help: "Events per digest message",
      labelNames: ["platform"],
      buckets: [2, 3, 5, 10, 20, 50, 100, 500, 1000, 5000],
      registers,
    }),
    decisionLatency: new Histogram({
      name: `${P}approval_decision_seconds`,
      help: "Seconds from an approval's creation to its decision",
      labelNames: ["decided_by"],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200],
      registers,
    }),
    dataworksReturnLatency: new Histogram({
      name: `${P}dataworks_return_seconds`,
      help: "Seconds from a decision to DataWorks accepting it",
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300, 1800, 7200],
      registers,
    }),
    dataworksErrors: counter("dataworks_api_errors_total", "DataWorks OpenAPI errors returning decisions", [
      "code",
      "retryable",
    ]),
    jobsLeftForNewer: counter("jobs_left_for_newer_total", "Jobs left for a process of a newer release", [
      "queue",
      "format",
    ]),
    observeFormat(check) {
      new Gauge({
        name: `${P}format_behind`,
        help: "1 while this process is older than the job or Redis state format it meets: upgrade it",
        registers,
        // From memory: /metrics never waits on Redis.
        collect() {
          this.set(check() === true ? 0 : 1);
        },
      });
    },
    countReceived(r) {
      if (r.accepted.length) m.eventsReceived.inc({ outcome: "accepted" }, r.accepted.length);
      if (r.duplicates.length) m.eventsReceived.inc({ outcome: "duplicate" }, r.duplicates.length);
    },
    countIngestReply(status, payload) {
      if (status >= 400) {
        // Error bodies are {"error":"<code>",…} (http/errors.ts sendError): the code is a bounded label.
        const code = typeof payload === "string" ? /^\{"error":"([a-z_]{1,40})"/.exec(payload)?.[1] : undefined;
        m.eventsRejected.inc({ reason: code ?? `http_${status}` });
      }
      return payload;
    },
    observe(sources) {
      observeRedis(registry, P, sources);
    },
  };
  return m;
}
