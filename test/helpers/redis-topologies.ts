/**
 * A real Redis Cluster (3 masters) and a real Sentinel set-up (master, replica, 3 Sentinels), on free ports with
 * temp data dirs, started and stopped by the test that uses them (never the shared 6379).
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";
import { RedisServer } from "./redis-server.js";
import { waitFor } from "./wait.js";

const run = promisify(execFile);

async function ask<T>(port: number, f: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => undefined);
  try {
    await r.connect();
    return await f(r);
  } finally {
    r.disconnect();
  }
}

export class RedisClusterSet {
  readonly nodes = [0, 1, 2].map(
    () =>
      new RedisServer((dir) => [
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, "nodes.conf"),
        "--cluster-node-timeout",
        "5000",
      ]),
  );

  /** Only where discovery starts: the client learns the other masters from CLUSTER SLOTS. */
  get url() {
    return `redis+cluster://127.0.0.1:${this.nodes[0]?.port}`;
  }

  async start(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.start()));
    const addrs = this.nodes.map((n) => `127.0.0.1:${n.port}`);
    await run("redis-cli", ["--cluster", "create", ...addrs, "--cluster-replicas", "0", "--cluster-yes"]);
    for (const n of this.nodes) {
      await waitFor(
        () => ask(n.port, async (r) => /cluster_state:ok/.test(await r.cluster("INFO"))),
        `cluster_state:ok on ${n.port}`,
        30_000,
      );
    }
  }

  /** The port of the master that holds a key's slot. */
  async ownerOf(key: string): Promise<number> {
    const slot = await ask(this.nodes[0]?.port ?? 0, (r) => r.cluster("KEYSLOT", key));
    const ranges = await ask(this.nodes[0]?.port ?? 0, (r) => r.cluster("SLOTS"));
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    return range?.[2]?.[1] ?? 0;
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.destroy()));
  }
}

export class RedisSentinelSet {
  readonly master = new RedisServer();
  readonly replica = new RedisServer(() => ["--replicaof", "127.0.0.1", String(this.master.port)]);
  readonly sentinels = [0, 1, 2].map(
    () =>
      new RedisServer((dir) => {
        const conf = join(dir, "sentinel.conf");
        // Sentinel rewrites its config file as it learns: it must be writable, in the temp dir.
        writeFileSync(
          conf,
          [
            `sentinel monitor ${RedisSentinelSet.NAME} 127.0.0.1 ${this.master.port} 2`,
            `sentinel down-after-milliseconds ${RedisSentinelSet.NAME} 1000`,
            `sentinel failover-timeout ${RedisSentinelSet.NAME} 10000`,
            "",
          ].join("\n"),
        );
        return [conf, "--sentinel"];
      }),
  );
  static readonly NAME = "dwcmaster";

  get url() {
    return `redis+sentinel://${this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(",")}/${RedisSentinelSet.NAME}`;
  }

  async start(): Promise<void> {
    await this.master.start();
    await this.replica.start();
    await waitFor(
      () => ask(this.replica.port, async (r) => /master_link_status:up/.test(await r.info("replication"))),
      "the replica in sync",
      30_000,
    );
    for (const s of this.sentinels) s.port = await freePort();
    await Promise.all(this.sentinels.map((s) => s.start()));
    await waitFor(
      async () => (await this.sentinelsAgreeing(this.master.port)) && (await this.replicasKnown()),
      "the Sentinels to see the master and its replica",
      30_000,
    );
  }

  /** A switchover ordered through a Sentinel (SENTINEL FAILOVER): the master is demoted, a replica promoted. */
  async failover(): Promise<void> {
    await ask(this.sentinels[0]?.port ?? 0, (r) => r.call("SENTINEL", "FAILOVER", RedisSentinelSet.NAME));
  }

  /** The master's port every Sentinel names. */
  async masterPort(): Promise<number> {
    const ports = await Promise.all(
      this.sentinels.map((s) =>
        ask(s.port, (r) => r.call("SENTINEL", "get-master-addr-by-name", RedisSentinelSet.NAME) as Promise<string[]>),
      ),
    );
    const distinct = new Set(ports.map((p) => p[1]));
    return distinct.size === 1 ? Number([...distinct][0]) : 0;
  }

  async sentinelsAgreeing(port: number): Promise<boolean> {
    return (await this.masterPort()) === port;
  }

  private async replicasKnown(): Promise<boolean> {
    const seen = await Promise.all(
      this.sentinels.map((s) =>
        ask(s.port, async (r) => {
          const master = (await r.call("SENTINEL", "master", RedisSentinelSet.NAME)) as string[];
          const i = master.indexOf("num-other-sentinels");
          const j = master.indexOf("num-slaves");
          return Number(master[i + 1]) === 2 && Number(master[j + 1]) >= 1;
        }),
      ),
    );
    return seen.every(Boolean);
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.sentinels, this.replica, this.master].map((n) => n.destroy()));
  }
}
