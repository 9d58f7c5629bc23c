/**
 * Builds the production Dockerfile for real and runs the image. No image registry is reachable here, so the base
 * (the Dockerfile's NODE_IMAGE argument) is made locally by test/container/make-base.sh: a debootstrap bookworm
 * minbase root filesystem plus Node 24 from the npm registry. buildah builds and runs it with `--isolation chroot`
 * (podman's OCI runtime cannot start containers on these machines); the container shares the host network, so the
 * image's entrypoint reaches the local Redis and the test reaches its port.
 *
 * Needs root, buildah and debootstrap (.ci/run installs them). Without them it is skipped, loudly.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/free-port.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait.js";

const ROOT = join(import.meta.dirname, "..", "..");
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const missing = ["buildah", "debootstrap"].filter((c) => !has(c));
if (process.getuid?.() !== 0) missing.push("root");
if (missing.length > 0)
  console.warn(
    `\n!!! SKIPPING the container image build test: ${missing.join(", ")} missing. ` +
      "The Dockerfile is NOT built here. Install with: apt-get install -y buildah debootstrap (as root).\n",
  );

const TAG = `localhost/dw-chatops:test-${process.pid}`;
const buildah = (args: string[], input?: string) =>
  execFileSync("buildah", args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], input });

/** Every process below pid (the container's processes are children of `buildah run`). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      // "pid (comm) state ppid …": comm may hold spaces, so split after the last ')'.
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent)
      if (pp === p) {
        out.push(child);
        walk(child);
      }
  };
  walk(pid);
  return out;
}

describe.skipIf(missing.length > 0)("container image: the Dockerfile built with buildah and run", () => {
  const prefix = testPrefix();
  const cfgDir = mkdtempSync(join(tmpdir(), "dwc-image-config-"));
  const containers: string[] = [];
  let serve: ChildProcess | undefined;
  const out: string[] = [];
  let config: { User?: string; Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string } = {};

  let port = 0;
  const token = "image-test-token-0123456789";
  /** `buildah run` of a fresh working container of the built image (it uses the image's user, env and working
   * dir), with the test config mounted where the image's DW_CHATOPS_CONFIG points (/config). */
  const run = (cmd: string[]) => [
    "run",
    "--isolation",
    "chroot",
    "-v",
    `${cfgDir}:/config:ro`,
    container(),
    "--",
    ...cmd,
  ];

  /** A fresh working container of the built image. */
  const container = () => {
    const id = buildah(["from", "--pull-never", TAG]).trim();
    containers.push(id);
    return id;
  };

  beforeAll(async () => {
    const base = execFileSync(join(ROOT, "test/container/make-base.sh"), { encoding: "utf8" }).trim();
    // No --layers: a layer cache in buildah's storage would grow by about 1 GB with every changed source, run after
    // run, on a CI machine that is kept. (No host npm cache is mounted: the prod-deps stage's `npm cache clean` would
    // empty it.)
    const bud = spawnSync(
      "buildah",
      ["bud", "--isolation", "chroot", "--format", "docker", "--build-arg", `NODE_IMAGE=${base}`, "-t", TAG, ROOT],
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    expect(bud.status, `buildah bud failed:\n${bud.stdout.slice(-4000)}\n${bud.stderr.slice(-4000)}`).toBe(0);
    const inspected = JSON.parse(buildah(["inspect", "--type", "image", TAG])) as {
      Docker: { config: typeof config };
    };
    config = inspected.Docker.config;
    port = await freePort();
    // Readable by the image's uid 1000 (mkdtemp makes a 0700 directory).
    chmodSync(cfgDir, 0o755);
    writeFileSync(
      join(cfgDir, "dw-chatops.yaml"),
      `server: { port: ${port} }\nredis: { url: "${TEST_REDIS_URL}", prefix: ${prefix} }\nlog: { level: warn }\n` +
        `ingest: { auth: { tokens: [${token}] } }\ndestinations: { console: { platform: console } }\n` +
        "routes: [{ name: all, destinations: [console] }]\n",
    );
  }, 1_800_000);

  afterAll(async () => {
    if (serve?.pid) {
      try {
        process.kill(-serve.pid, "SIGTERM");
      } catch {
        // already gone
      }
      await waitFor(() => serve?.exitCode !== null || serve?.signalCode !== null, "the container stops", 15_000).catch(
        () => serve?.pid && process.kill(-serve.pid, "SIGKILL"),
      );
    }
    for (const c of containers) spawnSync("buildah", ["rm", c]);
    spawnSync("buildah", ["rmi", TAG]);
    await deleteKeys(prefix);
    rmSync(cfgDir, { recursive: true, force: true });
  }, 60_000);

  it("runs as the unprivileged node user, with the CLI as its entrypoint", () => {
    expect(config.User).toBe("node");
    expect(config.Entrypoint).toEqual(["node", "bin/dw-chatops.js"]);
    expect(config.Cmd).toEqual(["serve"]);
    const id = buildah(["run", "--isolation", "chroot", container(), "--", "id", "-u"]).trim();
    expect(id).toBe("1000");
    const node = buildah(["run", "--isolation", "chroot", container(), "--", "node", "--version"]).trim();
    expect(node).toMatch(/^v24\./);
  }, 120_000);

  it("renders a bundled sample event through the image's entrypoint", () => {
    const entry = config.Entrypoint ?? [];
    const rendered = buildah(
      run([...entry, "render", "examples/events/01-instance-failed.json", "--platform", "console"]),
    );
    expect(JSON.parse(rendered).message.title).toBe("Failed: Node 700001234003");
  }, 120_000);

  it("serves from its entrypoint against Redis: /readyz, an ingested event rendered on the console, uid 1000", async () => {
    const port = await freePort();
    const token = "image-test-token-0123456789";
    writeFileSync(
      join(cfgDir, "dw-chatops.yaml"),
      `server: { port: ${port} }\nredis: { url: "${TEST_REDIS_URL}", prefix: ${prefix} }\nlog: { level: warn }\n` +
        `ingest: { auth: { tokens: [${token}] } }\ndestinations: { console: { platform: console } }\n` +
        "routes: [{ name: all, destinations: [console] }]\n",
    );
    // The image's own ENTRYPOINT + CMD, with the config where the image's DW_CHATOPS_CONFIG points (/config).
    expect(config.Env).toContain("DW_CHATOPS_CONFIG=/config/dw-chatops.yaml");
    serve = spawn("buildah", run([...(config.Entrypoint ?? []), ...(config.Cmd ?? [])]), {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    serve.stdout?.on("data", (b: Buffer) => out.push(b.toString()));
    serve.stderr?.on("data", (b: Buffer) => out.push(b.toString()));
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => (await fetch(`${base}/readyz`)).status === 200,
      `/readyz 200 from the container; output:\n${out.join("")}`,
      60_000,
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${out.join("")}`);
    });

    const node = descendants(serve.pid as number).find((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").includes("bin/dw-chatops.js");
      } catch {
        return false;
      }
    });
    expect(node, "the bot's node process under buildah run").toBeDefined();
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${node}/status`, "utf8"))?.[1];
    expect(uid).toBe("1000");

    const event = readFileSync(join(ROOT, "examples/events/01-instance-failed.json"), "utf8");
    const posted = await fetch(`${base}/dataworks/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-eventbridge-signature-token": token },
      body: event,
    });
    expect(posted.status).toBe(202);
    await waitFor(
      async () => JSON.stringify(await (await fetch(`${base}/console/api/feed`)).json()).includes("700001234003"),
      "the event rendered on the console feed",
      30_000,
      250,
    );
  }, 180_000);
});
