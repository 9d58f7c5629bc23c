/**
 * The bare baseline of bench/ingest.ts: a minimal Fastify route doing one BullMQ add on the same Redis.
 * No authentication, no parsing beyond Fastify's, no deduplication: the floor our ingest is compared to.
 */
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import Fastify from "fastify";
import { Redis } from "ioredis";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: null });
const queue = new Queue("events", { connection: redis, prefix: `bench-base-${randomUUID().slice(0, 6)}` });
const app = Fastify();
app.post("/dataworks/events", async (req, reply) => {
  await queue.add("event", req.body, { removeOnComplete: true });
  return reply.code(202).send({ accepted: 1 });
});
await app.listen({ host: "127.0.0.1", port: 0 });
const addr = app.server.address();
process.stdout.write(`LISTENING http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}\n`);
process.once("SIGTERM", async () => {
  await app.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  redis.disconnect();
  process.exit(0);
});
