/**
 * The npm package as a user gets it: `npm pack` (its prepack builds), the tarball installed into an empty
 * directory outside the checkout with an environment that points nowhere into it, then `npx dw-chatops --help`,
 * `render` of a bundled example, and `serve` in local mode (no config, no REDIS_URL: it starts its own
 * redis-server under ./.dw-chatops) until /readyz answers.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/free-port.js";
import { waitFor } from "../helpers/wait.js";

const ROOT = join(import.meta.dirname, "..", "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";

/** This environment minus everything that names the checkout (npm's lifecycle variables when run by `npm test`). */
function outsideEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_package_|npm_lifecycle_|npm_config_local_prefix|INIT_CWD|OLDPWD|PWD)/.test(k)) continue;
    if (k === "REDIS_URL" || k === "DW_CHATOPS_CONFIG" || k === "NODE_OPTIONS" || k.startsWith("VITEST")) continue;
    if (k === "PATH")
      env.PATH = (v ?? "")
        .split(":")
        .filter((d) => !d.startsWith(ROOT))
        .join(":");
    else if (!v?.includes(ROOT)) env[k] = v;
  }
  return env;
}

/** Pids of processes whose working directory or command line is under dir. */
function runningUnder(dir: string): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const cwd = readlinkSync(`/proc/${n}/cwd`);
        return cwd.startsWith(dir) || readFileSync(`/proc/${n}/cmdline`, "utf8").includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("npm package: packed, installed elsewhere, run with npx", () => {
  const work = mkdtempSync(join(tmpdir(), "dwc-npm-"));
  const app = join(work, "app");
  const env = outsideEnv();
  let tarball = "";
  let files: string[] = [];
  let serve: ChildProcess | undefined;
  const out: string[] = [];

  beforeAll(() => {
    const pack = spawnSync(NPM, ["pack", "--json", "--pack-destination", work], { cwd: ROOT, encoding: "utf8" });
    expect(pack.status, `npm pack failed:\n${pack.stderr}`).toBe(0);
    // prepack's build prints before the JSON.
    const info = JSON.parse(pack.stdout.slice(pack.stdout.indexOf("["))) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    tarball = join(work, info[0]?.filename ?? "?");
    files = info[0]?.files.map((f) => f.path) ?? [];
    spawnSync("mkdir", ["-p", app]);
    const install = spawnSync(NPM, ["install", "--no-audit", "--no-fund", "--omit=dev", tarball], {
      cwd: app,
      env,
      encoding: "utf8",
    });
    expect(install.status, `npm install of the tarball failed:\n${install.stderr}`).toBe(0);
  }, 600_000);

  afterAll(async () => {
    if (serve?.pid && serve.exitCode === null && serve.signalCode === null) process.kill(-serve.pid, "SIGKILL");
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  it("holds the built CLI and what it reads at run time, and no sources, tests or secrets", () => {
    for (const f of [
      "package.json",
      "bin/dw-chatops.js",
      "dist/src/cli/main.js",
      "templates/instance-status-changes.yaml",
      "templates/locales/zh-CN.yaml",
      "examples/events/01-instance-failed.json",
      "src/console/console.html",
      "schema/dw-chatops.schema.json",
      "dw-chatops.example.yaml",
    ])
      expect(files, f).toContain(f);
    const unwanted = files.filter((f) =>
      /^(test|bench|docs|\.ci|node_modules)\/|\.ts$|\.map$|^dw-chatops\.yaml$/.test(f),
    );
    expect(unwanted).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin).toEqual({ "dw-chatops": "bin/dw-chatops.js" });
  });

  it("is installed as a copy, not a link into the checkout", () => {
    const dir = join(app, "node_modules/dataworks-chatops");
    expect(lstatSync(dir).isSymbolicLink()).toBe(false);
    expect(lstatSync(join(app, "node_modules/.bin/dw-chatops")).isSymbolicLink()).toBe(true);
  });

  it("npx dw-chatops --help", () => {
    const help = spawnSync(NPX, ["--no-install", "dw-chatops", "--help"], { cwd: app, env, encoding: "utf8" });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain("Usage: dw-chatops <command>");
  }, 60_000);

  it("npx dw-chatops render of a bundled example", () => {
    const r = spawnSync(
      NPX,
      [
        "--no-install",
        "dw-chatops",
        "render",
        "node_modules/dataworks-chatops/examples/events/01-instance-failed.json",
        "--platform",
        "console",
      ],
      { cwd: app, env, encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).message.title).toBe("Failed: Node 700001234003");
  }, 60_000);

  it("npx dw-chatops serve in local mode answers /readyz, with its own redis-server under ./.dw-chatops", async () => {
    const port = await freePort();
    serve = spawn(NPX, ["--no-install", "dw-chatops", "serve", "--port", String(port), "--no-samples"], {
      cwd: app,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: npx does not pass SIGTERM on, so stop the group, as a terminal does
    });
    serve.stdout?.on("data", (b: Buffer) => out.push(b.toString()));
    serve.stderr?.on("data", (b: Buffer) => out.push(b.toString()));
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
      () => `/readyz 200 from the installed package; its output:\n${out.join("")}`,
      90_000,
      200,
    );
    expect(lstatSync(join(app, ".dw-chatops")).isDirectory()).toBe(true);
    process.kill(-(serve.pid as number), "SIGTERM");
    await waitFor(() => serve?.exitCode !== null || serve?.signalCode !== null, "npx exits on SIGTERM", 30_000);
    // serve stopped the redis-server it started: nothing runs from this directory any more.
    await waitFor(
      () => runningUnder(app).length === 0,
      () => `processes left in ${app}: ${runningUnder(app)}`,
      30_000,
    );
  }, 180_000);
});
