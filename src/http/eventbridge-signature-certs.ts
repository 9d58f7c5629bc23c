import { type KeyObject, X509Certificate } from "node:crypto";

/**
 * EventBridge signing certificates: allow-listed URLs only, fetched with a timeout and a size cap, parsed with
 * node:crypto X509Certificate, cached per URL (TTL, bounded, concurrent fetches share one request).
 */
export interface CertStoreOptions {
  /** Regular expressions the whole certificate URL must match (anchored at the start). */
  patterns: readonly string[];
  ttlMs: number;
  timeoutMs: number;
  maxEntries?: number;
  maxBytes?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/** transient: the certificate server could not be reached or failed (ours to retry later, not the sender's fault). */
export type CertResult = { ok: true; key: KeyObject } | { ok: false; reason: string; transient?: true };

/** Anchored at the start so a pattern cannot be satisfied by text later in the URL. */
export function compileCertUrlPattern(p: string): RegExp {
  return new RegExp(`^(?:${p.startsWith("^") ? p.slice(1) : p})`);
}

export class CertStore {
  private readonly patterns: RegExp[];
  private readonly cache = new Map<string, { key: KeyObject; expires: number }>();
  private readonly inflight = new Map<string, Promise<CertResult>>();
  private readonly o: Required<Omit<CertStoreOptions, "patterns">>;
  /** Certificate downloads made (not cache hits): an operational figure and what tests assert on. */
  fetches = 0;

  constructor(o: CertStoreOptions) {
    this.patterns = o.patterns.map(compileCertUrlPattern);
    this.o = {
      ttlMs: o.ttlMs,
      timeoutMs: o.timeoutMs,
      maxEntries: o.maxEntries ?? 16,
      // Real EventBridge certificates are ~1-2 KB of PEM.
      maxBytes: o.maxBytes ?? 16_384,
      fetch: o.fetch ?? fetch,
      now: o.now ?? Date.now,
    };
  }

  /** Checked before anything is fetched, so an attacker cannot make the bot request arbitrary URLs. */
  allowed(raw: string): { ok: true; url: string } | { ok: false; reason: string } {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return { ok: false, reason: "x-eventbridge-signature-url is not a URL" };
    }
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
    // https only, except loopback (local fakes in tests), and only when a pattern also allows it.
    const schemeOk = u.protocol === "https:" || (u.protocol === "http:" && loopback);
    if (!schemeOk || u.username || u.password || !this.patterns.some((p) => p.test(u.href))) {
      return {
        ok: false,
        reason: `certificate URL ${u.origin}${u.pathname} is not allow-listed (ingest.auth.signature.certUrlPatterns)`,
      };
    }
    return { ok: true, url: u.href };
  }

  /** The certificate's public key for an allow-listed URL (call allowed() first). */
  async publicKey(url: string): Promise<CertResult> {
    const hit = this.cache.get(url);
    if (hit && hit.expires > this.o.now()) {
      // Re-insert: Map order is the LRU order.
      this.cache.delete(url);
      this.cache.set(url, hit);
      return { ok: true, key: hit.key };
    }
    const running = this.inflight.get(url);
    if (running) return running;
    const p = this.download(url).finally(() => this.inflight.delete(url));
    this.inflight.set(url, p);
    return p;
  }

  private async download(url: string): Promise<CertResult> {
    this.fetches++;
    let pem: string;
    try {
      const res = await this.o.fetch(url, { redirect: "error", signal: AbortSignal.timeout(this.o.timeoutMs) });
      if (!res.ok) {
        await res.body?.cancel();
        const reason = `could not fetch the signing certificate: HTTP ${res.status}`;
        return res.status >= 500 || res.status === 429 ? { ok: false, reason, transient: true } : { ok: false, reason };
      }
      const body = await readLimited(res, this.o.maxBytes);
      if (body === undefined)
        return { ok: false, reason: `the signing certificate is larger than ${this.o.maxBytes} bytes` };
      pem = body;
    } catch (err) {
      const e = err as Error;
      const why = e.name === "TimeoutError" ? `no answer within ${this.o.timeoutMs} ms` : causeOf(e);
      return { ok: false, reason: `could not fetch the signing certificate: ${why}`, transient: true };
    }
    let key: KeyObject;
    try {
      key = new X509Certificate(pem).publicKey;
    } catch {
      return { ok: false, reason: "the signing certificate is not a valid X.509 PEM" };
    }
    if (key.asymmetricKeyType !== "rsa")
      return { ok: false, reason: `the signing certificate has a ${key.asymmetricKeyType} key, not RSA` };
    this.cache.set(url, { key, expires: this.o.now() + this.o.ttlMs });
    while (this.cache.size > this.o.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return { ok: true, key };
  }
}

/** Read at most `max` bytes; undefined when the body is larger (the stream is cancelled). */
async function readLimited(res: Response, max: number): Promise<string | undefined> {
  if (!res.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** undici wraps network errors as "fetch failed" with the useful part in `cause`. */
function causeOf(e: Error): string {
  const cause = e.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? e.message;
}
