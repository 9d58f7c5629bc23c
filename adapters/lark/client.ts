import type * as lark from "@larksuiteoapi/node-sdk";
import { larkHttpInstance } from "./http-instance.js";
import { larkSdk } from "./sdk.js";

export interface LarkAppConfig {
  appId: string;
  appSecret: string;
  /** "feishu" (open.feishu.cn), "lark" (open.larksuite.com) or a base URL (proxy, test fake). */
  domain: string;
  /** Verifies and decrypts POST /lark/events (card clicks, messages); without it those requests are refused. */
  encryptKey?: string;
  verificationToken?: string;
  /** "http": callbacks at POST /lark/events (default); "ws": the SDK's long connection, no public URL. */
  transport?: "http" | "ws";
}

type CacheKey = Parameters<lark.Cache["get"]>[0];

/**
 * A token cache of our own: the SDK's default is a process-wide singleton, and we must clear it on 99991663.
 * It also coalesces the first fetch: the SDK asks the cache, fetches on a miss and stores the answer, so
 * while one caller's fetch is in flight the others wait for it instead of each fetching a token.
 */
export class TokenCache implements lark.Cache {
  private readonly values = new Map<string, { value: unknown; expire?: number }>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly settle = new Map<string, (v: unknown) => void>();
  private readonly waitMs: number;

  constructor(waitMs = 10_000) {
    this.waitMs = waitMs;
  }

  async set(key: CacheKey, value: unknown, expire?: number, o?: { namespace?: string }): Promise<boolean> {
    const k = this.k(key, o);
    this.values.set(k, { value, expire });
    this.settle.get(k)?.(value);
    return true;
  }
  async get(key: CacheKey, o?: { namespace?: string }): Promise<unknown> {
    const k = this.k(key, o);
    const v = this.values.get(k);
    if (v && (v.expire === undefined || v.expire >= Date.now())) return v.value;
    if (v) this.values.delete(k);
    const pending = this.inflight.get(k);
    if (pending) return pending;
    // This caller fetches; later callers wait for its set() (or give up after waitMs and fetch themselves).
    const p = new Promise<unknown>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), this.waitMs);
      timer.unref?.();
      this.settle.set(k, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    }).finally(() => {
      this.inflight.delete(k);
      this.settle.delete(k);
    });
    this.inflight.set(k, p);
    return undefined;
  }
  clear(): void {
    this.values.clear();
  }
  private k(key: CacheKey, o?: { namespace?: string }) {
    return `${o?.namespace ?? ""}:${String(key)}`;
  }
}

export function resolveDomain(domain: string): lark.Domain | string {
  if (domain === "feishu") return larkSdk().Domain.Feishu;
  if (domain === "lark") return larkSdk().Domain.Lark;
  return domain.replace(/\/+$/, "");
}

/** The SDK logs whole axios errors (request config, Authorization header, app_secret body): keep it silent. */
const silent: lark.Logger = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

export function createLarkClient(app: LarkAppConfig, timeoutMs: number, cache: TokenCache): lark.Client {
  const sdk = larkSdk();
  return new sdk.Client({
    appId: app.appId,
    appSecret: app.appSecret,
    domain: resolveDomain(app.domain),
    cache,
    httpInstance: larkHttpInstance(timeoutMs),
    logger: silent,
    loggerLevel: sdk.LoggerLevel.error,
  });
}
