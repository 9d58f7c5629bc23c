import { loadFullDiff } from "../approvals/snapshot/full-diff.js";
import { ApprovalStore } from "../approvals/store.js";
import { MuteStore } from "../commands/mutes.js";
import { WorkspaceNames } from "../commands/workspace-names.js";
import type { Config } from "../config/schema.js";
import { ConsoleFeed } from "../console/feed.js";
import { type CacheStore, redisStore } from "../enrich/lookup-cache.js";
import { DigestGroups } from "../outbox/digest-groups.js";
import { IncidentStore } from "../incidents/store.js";
import { RateLimiter } from "../outbox/rate-limiter.js";
import type { RedisClient } from "../redis/connect.js";
import { MessageRefs } from "../state/message-refs.js";
import { RecentEvents } from "../state/recent-events.js";

/** The bot's state in Redis, one object per kind, all under `prefix`. */
export interface Stores {
  recent: RecentEvents;
  refs: MessageRefs;
  limiter: RateLimiter;
  groups: DigestGroups;
  consoleFeed: ConsoleFeed;
  approvals: ApprovalStore;
  /** The whole diff of an approval's file change, kept beside it (approval page). */
  fullDiff: (approvalId: string) => Promise<string | undefined>;
  /** Failed instances acted on from chat (src/incidents/). */
  incidents: IncidentStore;
  mutes: MuteStore;
  workspaces: WorkspaceNames;
  /** Cached lookups (enrichment, display names). */
  cache: CacheStore;
}

export function createStores(redis: RedisClient, prefix: string, config: Readonly<Config>, now?: () => number): Stores {
  return {
    recent: new RecentEvents(redis, prefix, config.ingest.recentEvents),
    refs: new MessageRefs(redis, prefix),
    limiter: new RateLimiter(redis, prefix),
    groups: new DigestGroups(redis, prefix),
    consoleFeed: new ConsoleFeed(redis, prefix),
    approvals: new ApprovalStore(redis, prefix),
    fullDiff: (approvalId) => loadFullDiff(redis, prefix, approvalId),
    incidents: new IncidentStore(redis, prefix, config.incidents.retention),
    mutes: new MuteStore(redis, prefix, now),
    workspaces: new WorkspaceNames(redis, prefix, config.dataworks.regionId),
    cache: redisStore(redis),
  };
}
