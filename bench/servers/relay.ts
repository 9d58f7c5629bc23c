/**
 * The floor of bench/alertmanager.ts: the least a Node process on this stack does to give the guarantees, an
 * event stored in Redis before its 2xx and delivered at least once. A Fastify route doing one BullMQ add (the ingest
 * baseline's), and a BullMQ worker posting each job's event to Slack's chat.postMessage over node:http with a
 * keep-alive agent, as the bot's Slack client does. No authentication, validation, deduplication, routing,
 * rendering, rate limit or record: whatever this costs, the bot cannot cost less.
 * RELAY=inline: the floor of another design, without a job per event: the request stores the event before its 2xx
 * in one script (deduplicated on its id with SET NX PX, then kept in an inbox hash and a sorted set by time, which a
 * sweeper would resend from after a restart: at least once; none is written, this is a floor), this process posts
 * it right after and takes it out of the inbox in a second script once Slack took it. (Until 9dcf7be it was a plain
 * SET and DEL.)
 * Env: REDIS_URL, BENCH_PREFIX, SLACK_API_URL (…/api/), SLACK_TOKEN, SLACK_CHANNEL, CONCURRENCY, RELAY.
 */
import { Agent, request } from "node:http";
import { Queue, Worker } from "bullmq";
import Fastify from "fastify";
import { Redis } from "ioredis";

const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = process.env.BENCH_PREFIX ?? "bench-relay";
const api = new URL(`${(process.env.SLACK_API_URL ?? "").replace(/\/?$/, "/")}chat.postMessage`);
const auth = `Bearer ${process.env.SLACK_TOKEN}`;
const channel = process.env.SLACK_CHANNEL ?? "";
const agent = new Agent({ keepAlive: true });

const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const inbox = { hash: `${prefix}:inbox`, byTime: `${prefix}:inbox:t` };
const scripts = connection as Redis & {
  store(
    dedupe: string,
    hash: string,
    byTime: string,
    id: string,
    json: string,
    now: number,
    ttlMs: number,
  ): Promise<number>;
  done(hash: string, byTime: string, id: string): Promise<number>;
};
connection.defineCommand("store", {
  numberOfKeys: 3,
  lua: `if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4], 'NX') then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1`,
});
connection.defineCommand("done", {
  numberOfKeys: 2,
  lua: "redis.call('HDEL', KEYS[1], ARGV[1]) return redis.call('ZREM', KEYS[2], ARGV[1])",
});
let accepted = 0;

/** One chat.postMessage; a refusal fails the job (BullMQ retries it), as a lost delivery must not pass silently. */
function post(text: string): Promise<void> {
  const body = JSON.stringify({ channel, text });
  return new Promise((resolve, reject) => {
    const req = request(
      api,
      {
        method: "POST",
        agent,
        headers: {
          authorization: auth,
          "content-type": "application/json; charset=utf-8",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const answer = JSON.parse(Buffer.concat(chunks).toString()) as { ok: boolean; error?: string };
          if (answer.ok) resolve();
          else reject(new Error(`chat.postMessage: ${answer.error}`));
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const inline = process.env.RELAY === "inline";
// The job design's queue and worker; the inline design has neither (an idle worker still polls and checks stalls).
const jobs = inline
  ? undefined
  : {
      queue: new Queue("events", { connection, prefix }),
      worker: new Worker(
        "events",
        async (job) => {
          const e = job.data as { type?: string; id?: string };
          await post(`${e.type} ${e.id}`);
        },
        {
          connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
          prefix,
          concurrency: Number(process.env.CONCURRENCY ?? 64),
          removeOnComplete: { count: 0 },
        },
      ),
    };

/** The inline design's send: after the 2xx, retried a few times, then the event leaves the inbox. */
async function sendStored(id: string, e: { type?: string }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await post(`${e.type} ${id}`);
      await scripts.done(inbox.hash, inbox.byTime, id);
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

const app = Fastify();
app.post("/dataworks/events", async (req, reply) => {
  if (!jobs) {
    const e = req.body as { type?: string; id?: string };
    const id = String(e.id);
    const fresh = await scripts.store(
      `${prefix}:de:${id}`,
      inbox.hash,
      inbox.byTime,
      id,
      JSON.stringify(e),
      Date.now(),
      3_600_000,
    );
    // A duplicate is answered but neither counted nor sent, as the bot does.
    if (fresh) {
      accepted++;
      setImmediate(() => sendStored(id, e).catch(() => undefined)); // what failed stays in the inbox
    }
  } else {
    await jobs.queue.add("event", req.body, { removeOnComplete: true, attempts: 3 });
    accepted++;
  }
  return reply.code(202).send({ accepted: 1 });
});
// The line bench/e2e-run.ts reads off the bot, so the same settledCount counts what this process took.
app.get("/metrics", async () => `dwc_events_received_total{outcome="accepted"} ${accepted}\n`);
await app.listen({ host: "127.0.0.1", port: 0 });
const addr = app.server.address();
process.stdout.write(`LISTENING http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}\n`);
process.once("SIGTERM", async () => {
  await app.close();
  if (jobs) {
    await jobs.worker.close();
    await jobs.queue.obliterate({ force: true }).catch(() => undefined);
    await jobs.queue.close();
  }
  connection.disconnect();
  process.exit(0);
});
