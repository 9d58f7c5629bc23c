import type { RedisClient } from "../redis/connect.js";
import type { DwEvent } from "../core/event.js";
import { workspaceOf } from "./filter.js";

/**
 * Workspace names the bot has already seen through enrichment. The enricher caches GetProject answers under
 * `<prefix>:enrich:<region>:project:<id>` as `{"name": …}` (src/enrich/enrich-event.ts + lookup-cache.ts);
 * reading that cache lets `workspace=dw_sales_prod` match events that carry only the numeric id, without
 * calling DataWorks from a command.
 */
export class WorkspaceNames {
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly defaultRegion: string;

  constructor(redis: RedisClient, prefix: string, defaultRegion: string) {
    this.redis = redis;
    this.prefix = prefix;
    this.defaultRegion = defaultRegion;
  }

  private key(e: DwEvent, id: string) {
    return `${this.prefix}:enrich:${e.regionId || this.defaultRegion}:project:${id}`;
  }

  /** Cached names by event id; one MGET for all distinct workspaces of the batch. */
  async namesFor(events: readonly DwEvent[]): Promise<Map<string, string[]>> {
    const keys = new Map<string, string[]>();
    for (const e of events) {
      const id = workspaceOf(e).id;
      if (!id) continue;
      const k = this.key(e, id);
      keys.set(k, [...(keys.get(k) ?? []), e.id]);
    }
    const out = new Map<string, string[]>();
    if (!keys.size) return out;
    const list = [...keys.keys()];
    const values = await this.redis.mget(list);
    list.forEach((k, i) => {
      const name = parseName(values[i]);
      if (name) for (const eventId of keys.get(k) ?? []) out.set(eventId, [name]);
    });
    return out;
  }
}

function parseName(v: string | null | undefined): string | undefined {
  if (!v) return undefined;
  try {
    const o = JSON.parse(v) as { name?: unknown };
    return typeof o.name === "string" && o.name ? o.name : undefined;
  } catch {
    return undefined;
  }
}
