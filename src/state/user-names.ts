import type { ChatAdapter } from "../core/chat-adapter.js";
import type { CacheStore } from "../enrich/lookup-cache.js";

export interface UserNamesOptions {
  store: CacheStore;
  prefix: string;
  adapters: ReadonlyMap<string, Pick<ChatAdapter, "userName">>;
  /** How long the answer to a click may wait for a lookup; the id is shown when it takes longer. */
  timeoutMs?: number;
  /** A name found is kept this long (people rarely rename themselves). */
  ttlMs?: number;
  /** A failed lookup (missing scope, user out of range) is not tried again for this long. */
  missTtlMs?: number;
  onError?: (err: unknown, what: string) => void;
}

/** Remembered for a failed lookup, so a missing scope does not cost an API call per click. */
const MISS = "\u0000";

/**
 * Display names of chat users by platform and id, through the adapter's userName and cached in Redis (shared by
 * every instance). Never throws and never waits longer than timeoutMs: undefined means "show the id".
 */
export class UserNames {
  private readonly o: Required<Omit<UserNamesOptions, "onError">> & Pick<UserNamesOptions, "onError">;

  private readonly inflight = new Map<string, Promise<string | undefined>>();

  constructor(o: UserNamesOptions) {
    this.o = { timeoutMs: 1_000, ttlMs: 24 * 3600_000, missTtlMs: 10 * 60_000, ...o };
  }

  async name(platform: string, userId: string): Promise<string | undefined> {
    const adapter = this.o.adapters.get(platform);
    if (!adapter?.userName || !userId) return undefined;
    const key = `${this.o.prefix}:user-name:${platform}:${userId}`;
    const hit = await this.o.store.get(key).catch(() => null);
    if (hit !== null) return hit === MISS ? undefined : hit;
    let lookup = this.inflight.get(key);
    if (!lookup) {
      // Finishes (bounded by the adapter's own timeout) and is cached even when the click was answered first.
      lookup = adapter
        .userName(userId)
        .catch((err: unknown) => {
          this.o.onError?.(err, `looking up a ${platform} user's name`);
          return undefined;
        })
        .then(async (name) => {
          await this.o.store.set(key, name ?? MISS, name ? this.o.ttlMs : this.o.missTtlMs).catch(() => undefined);
          return name;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, lookup);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((r) => {
      timer = setTimeout(() => r(undefined), this.o.timeoutMs);
    });
    return Promise.race([lookup, late]).finally(() => clearTimeout(timer));
  }
}
