import { mutingMute } from "../commands/mute-check.js";
import { MuteStore } from "../commands/mutes.js";
import { WorkspaceNames } from "../commands/workspace-names.js";
import { loadConfig } from "../config/load-config.js";
import type { Config } from "../config/schema.js";
import { failureKey, failureMessageOf } from "../incidents/track.js";
import { Router } from "../routing/router.js";
import { MessageRefs } from "../state/message-refs.js";
import { createTemplateEngine } from "../templating/create-engine.js";
import { connectTo } from "../redis/connect.js";
import { keyPrefix, parseRedisUrl } from "../redis/redis-url.js";
import { type ExplainDeps, explainEvent, type RedisFacts } from "./explain-route.js";
import { readEventsFile } from "./read-event-file.js";

/** How long `route` waits for Redis before explaining without it. */
export const REDIS_WAIT_MS = 1000;

/**
 * Explain, for each event of a file, the whole path the running bot would take: approval (policy, approval route,
 * unmatched), notifications filter, mutes and routes. Mutes and recoveries are read from Redis when it answers
 * within REDIS_WAIT_MS; otherwise the answer says they were not checked.
 */
export async function routeCommand(o: {
  configPath?: string;
  file?: string;
  out?: (text: string) => void;
  now?: number;
}): Promise<number> {
  const out = o.out ?? ((t) => process.stdout.write(t));
  const { config } = loadConfig({ path: o.configPath });
  const { events } = readEventsFile(o.file);
  const { facts, close } = await redisFacts(config);
  try {
    const deps: ExplainDeps = {
      config,
      router: new Router(config),
      messages: createTemplateEngine(config, "on-use").messages,
      redis: facts,
      now: o.now ?? Date.now(),
    };
    for (const [i, event] of events.entries()) {
      const head = events.length > 1 ? `[${i + 1}/${events.length}] ` : "";
      out(`${head}${event.eventCode || event.type} (event ${event.id}):\n`);
      out(`${(await explainEvent(event, deps)).join("\n")}\n`);
    }
  } finally {
    close();
  }
  return 0;
}

async function redisFacts(
  config: Readonly<Config>,
): Promise<{ facts: RedisFacts | { unavailable: string }; close: () => void }> {
  const url = config.redis.url;
  if (!url)
    return {
      facts: {
        unavailable: "no Redis configured (REDIS_URL and redis.url unset; a local-mode bot's Redis is private)",
      },
      close: () => undefined,
    };
  // Bounded: no offline queue, no retries, so an unreachable Redis costs at most REDIS_WAIT_MS.
  const target = parseRedisUrl(url);
  const redis = connectTo(target, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: REDIS_WAIT_MS,
    commandTimeout: REDIS_WAIT_MS,
  });
  let lastError: string | undefined;
  redis.on("error", (err: Error) => {
    lastError = err.message;
  });
  const close = () => redis.disconnect();
  const where = redisHost(url);
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${REDIS_WAIT_MS} ms`)), REDIS_WAIT_MS).unref(),
      ),
    ]);
  } catch (err) {
    close();
    return {
      facts: { unavailable: `Redis at ${where} is unreachable (${lastError ?? (err as Error).message})` },
      close: () => undefined,
    };
  }
  const prefix = keyPrefix(config.redis.prefix, target);
  const mutes = new MuteStore(redis, prefix);
  const workspaces = new WorkspaceNames(redis, prefix, config.dataworks.regionId);
  const refs = new MessageRefs(redis, prefix);
  return {
    facts: {
      mutingMute: (event) => mutingMute(mutes, workspaces, event),
      failedInstance: async (nodeId) => (await redis.get(failureKey(prefix, nodeId))) ?? undefined,
      holdingFailure: async (destinations, event) => {
        const name = failureMessageOf(event);
        return name ? refs.holdingKeyed(destinations, name) : [];
      },
    },
    close,
  };
}

/** host:port only: a URL may carry a password. */
function redisHost(url: string): string {
  try {
    return new URL(url).host || "(socket)";
  } catch {
    return "(the configured URL)";
  }
}
