import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { IncidentService } from "../../src/incidents/service.js";
import { IncidentStore } from "../../src/incidents/store.js";
import { Router } from "../../src/routing/router.js";
import { createLogger } from "../../src/logger.js";
import { createTemplateEngine } from "../../src/templating/create-engine.js";
import { instanceEvent } from "../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";

const redis = new Redis(TEST_REDIS_URL);
afterAll(() => redis.disconnect());

/** The service the buttons and the commands share, on real Redis and BullMQ queues. */
describe("IncidentService", () => {
  let prefix: string;
  let queues: Queue[];
  beforeEach(() => {
    prefix = testPrefix();
    queues = [];
  });
  afterEach(async () => {
    await Promise.all(queues.map((q) => q.close()));
    await deleteKeys(prefix);
  });

  function service() {
    const config = parseConfig(
      {
        destinations: { c: { platform: "console" } },
        routes: [
          {
            name: "failures",
            match: { data: { status: [5] } },
            destinations: ["c"],
            actions: { users: { console: ["wang"] } },
          },
        ],
        redis: { prefix },
      },
      {},
    );
    const store = new IncidentStore(redis, prefix);
    const q = (name: string) => {
      const queue = new Queue(name, { connection: redis, prefix });
      queues.push(queue);
      return queue;
    };
    const s = new IncidentService({
      config,
      router: new Router(config),
      store,
      templates: createTemplateEngine(config),
      operations: q("incidents") as never,
      deliveries: q("deliveries") as never,
      logger: createLogger("silent"),
    });
    return { s, store };
  }

  it("a command typed before the message was delivered is authorized by the routes the failure takes", async () => {
    const { s, store } = service();
    const event = instanceEvent({ taskId: 523536569736, nodeId: 700001234003, status: 5 });
    // Opened by tracking in the events worker; no copy delivered yet, so no route's actions recorded.
    await store.open({ instanceId: "523536569736", eventId: event.id }, Date.now(), event);
    const act = (user: string) =>
      s.act({
        request: "acknowledge",
        instanceId: "523536569736",
        platform: "console",
        user: { id: user },
        locale: "en",
      });
    expect(await act("li")).toMatchObject({ ok: false, text: expect.stringContaining("You may not") });
    expect(await act("wang")).toMatchObject({ ok: true, text: expect.stringContaining("You are on it") });
  });
});
