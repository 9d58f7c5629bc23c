/**
 * There is no Docker engine here, so this checks what can be checked without one: the Dockerfile's steps match
 * package.json, every file it copies exists and is not excluded by .dockerignore, and the final stage — built
 * exactly as its COPY lines say, with production dependencies from `npm ci --omit=dev` in a temp dir — starts,
 * validates the compose example config, serves, and passes its own HEALTHCHECK command.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { freePort } from "../helpers/free-port.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait.js";

const ROOT = join(import.meta.dirname, "..", "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  steps: Instruction[];
}

/** Dockerfile → stages of instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, " ").split("\n");
  const stages: Stage[] = [];
  const args: Record<string, string> = {};
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [op = "", ...rest] = line.split(/\s+/);
    const argsText = rest.join(" ");
    if (op === "ARG" && stages.length === 0) {
      const [k, v] = argsText.split("=");
      if (k && v) args[k] = v;
    } else if (op === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(argsText);
      const from = (m?.[1] ?? "").replace(/\$\{(\w+)\}/g, (_, k: string) => args[k] ?? "");
      stages.push({ from, ...(m?.[2] ? { name: m[2] } : {}), steps: [] });
    } else stages.at(-1)?.steps.push({ op, args: argsText });
  }
  return stages;
}

/** The few .dockerignore pattern forms used here: a path (and everything under it) or a glob on names. */
function ignoredBy(patterns: string[], path: string): string | undefined {
  return patterns.find((p) => {
    if (!p.includes("*")) return path === p || path.startsWith(`${p}/`);
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
    return path.split("/").some((seg) => re.test(seg)) || re.test(path);
  });
}

function copies(stage: Stage) {
  return stage.steps
    .filter((s) => s.op === "COPY")
    .map((s) => {
      const parts = s.args.split(/\s+/);
      const from = parts.find((p) => p.startsWith("--from="))?.slice(7);
      const paths = parts.filter((p) => !p.startsWith("--"));
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? "" };
    });
}

describe("container: Dockerfile, .dockerignore and compose.yaml", () => {
  const stages = parseDockerfile(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
  const final = stages.at(-1) as Stage;
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const ignore = readFileSync(join(ROOT, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

  it("builds on node:24-bookworm-slim (the NODE_IMAGE default) in stages; the final stage gets production dependencies only and runs unprivileged", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s.from).toBe("node:24-bookworm-slim");
    const runs = stages.flatMap((s) => s.steps.filter((i) => i.op === "RUN").map((i) => i.args));
    for (const r of runs)
      for (const m of r.matchAll(/npm run (\S+)/g)) expect(pkg.scripts, `npm run ${m[1]}`).toHaveProperty(m[1] ?? "");
    expect(runs.some((r) => /npm run build\b/.test(r))).toBe(true);
    const depStage = stages.find((s) => s.steps.some((i) => i.op === "RUN" && /npm ci .*--omit=dev/.test(i.args)));
    expect(depStage?.name, "a stage installs production dependencies").toBeDefined();
    const modules = copies(final).find((c) => c.sources.some((p) => p.endsWith("node_modules")));
    expect(modules?.from).toBe(depStage?.name);
    expect(final.steps.some((i) => i.op === "RUN" && /npm (ci|install)/.test(i.args))).toBe(false);
    const user = final.steps.filter((i) => i.op === "USER").at(-1)?.args;
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    const health = final.steps.find((i) => i.op === "HEALTHCHECK")?.args ?? "";
    expect(health).toContain("HEALTHCHECK_URL");
    expect(final.steps.find((i) => i.op === "ENV")?.args).toMatch(
      /HEALTHCHECK_URL=http:\/\/127\.0\.0\.1:8080\/healthz/,
    );
    // The young-generation size that keeps a busy bot near 200 MiB (docs/operations.md "Memory").
    expect(final.steps.find((i) => i.op === "ENV")?.args).toMatch(/NODE_OPTIONS=--max-semi-space-size=8\b/);
    expect(final.steps.find((i) => i.op === "ENTRYPOINT")?.args).toContain("bin/dw-chatops.js");
  });

  it("copies only files that exist and that .dockerignore lets into the build context", () => {
    for (const stage of stages)
      for (const c of copies(stage).filter((c) => !c.from))
        for (const src of c.sources) {
          expect(existsSync(join(ROOT, src)), `${src} exists`).toBe(true);
          expect(ignoredBy(ignore, src), `${src} is not ignored`).toBeUndefined();
        }
    // The things that must never be sent to a builder.
    for (const p of ["dw-chatops.yaml", ".env", ".dw-chatops", "node_modules", ".git"])
      expect(ignoredBy(ignore, p), p).toBeDefined();
  });

  it("compose.yaml: Redis with appendonly and noeviction, a serve and a worker on it", () => {
    const compose = parse(readFileSync(join(ROOT, "compose.yaml"), "utf8"), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; image?: string }>;
    };
    const redis = compose.services.redis?.command?.join(" ") ?? "";
    expect(redis).toMatch(/--appendonly yes/);
    expect(redis).toMatch(/--maxmemory-policy noeviction/);
    expect(compose.services.serve?.command).toEqual(["serve", "--no-workers"]);
    expect(compose.services.worker?.command?.[0]).toBe("worker");
    for (const s of ["serve", "worker"]) expect(compose.services[s]?.environment?.REDIS_URL).toBe("redis://redis:6379");
    expect(compose.services.worker?.environment?.HEALTHCHECK_URL).toContain(
      compose.services.worker?.command?.at(-1) ?? "?",
    );
  });

  describe("the final stage, assembled from its COPY lines", () => {
    const image = mkdtempSync(join(tmpdir(), "dwc-image-"));
    const deps = mkdtempSync(join(tmpdir(), "dwc-prod-deps-"));
    const prefix = testPrefix();
    let serve: ChildProcess | undefined;
    const out: string[] = [];

    beforeAll(() => {
      execFileSync(NPM, ["run", "build", "--silent"], { cwd: ROOT, stdio: "pipe" });
      expect(existsSync(join(ROOT, "dist/src/cli/main.js")), "npm run build makes the CLI the entrypoint loads").toBe(
        true,
      );
      cpSync(join(ROOT, "package.json"), join(deps, "package.json"));
      cpSync(join(ROOT, "package-lock.json"), join(deps, "package-lock.json"));
      const ci = spawnSync(NPM, ["ci", "--omit=dev", "--no-audit", "--no-fund"], { cwd: deps, encoding: "utf8" });
      expect(ci.status, `npm ci --omit=dev failed:\n${ci.stderr}`).toBe(0);
      // Each COPY of the final stage, from the build context, the build stage (this repo after build) or prod-deps.
      for (const c of copies(final)) {
        for (const src of c.sources) {
          const from =
            c.from === undefined
              ? join(ROOT, src)
              : c.from === "build"
                ? join(ROOT, src.replace(/^\/app\//, ""))
                : join(deps, src.replace(/^\/app\//, ""));
          const dest = c.dest === "./" ? join(image, src.split("/").at(-1) ?? "") : join(image, c.dest);
          mkdirSync(dirname(dest), { recursive: true });
          cpSync(from, dest, { recursive: true });
        }
      }
    }, 300_000);
    afterAll(async () => {
      if (serve && serve.exitCode === null) serve.kill("SIGKILL");
      await deleteKeys(prefix);
      rmSync(image, { recursive: true, force: true });
      rmSync(deps, { recursive: true, force: true });
    }, 120_000); // removing two node_modules trees takes over 30 s on a loaded 2-core machine

    it("has no dev dependencies", () => {
      expect(existsSync(join(image, "node_modules/fastify"))).toBe(true);
      for (const dev of ["vitest", "typescript", "@biomejs/biome", "playwright-core", "tsx"])
        expect(existsSync(join(image, "node_modules", dev)), dev).toBe(false);
    });

    it("starts the CLI (--help) and validates the compose example config", () => {
      const help = spawnSync(process.execPath, ["bin/dw-chatops.js", "--help"], { cwd: image, encoding: "utf8" });
      expect(help.status).toBe(0);
      expect(help.stdout).toContain("Usage: dw-chatops <command>");
      const check = spawnSync(
        process.execPath,
        ["bin/dw-chatops.js", "check-config", "--config", join(ROOT, "examples/compose/dw-chatops.yaml")],
        {
          cwd: image,
          encoding: "utf8",
          env: {
            ...process.env,
            PUBLIC_URL: "https://chatops.example.com",
            INGEST_TOKEN: "t",
            SLACK_BOT_TOKEN: "xoxb-1",
            SLACK_SIGNING_SECRET: "s",
            DATAWORKS_ACCESS_KEY_ID: "LTAI1",
            DATAWORKS_ACCESS_KEY_SECRET: "k",
          },
        },
      );
      expect(check.status, check.stderr).toBe(0);
      expect(check.stdout).toContain("config OK");
    });

    it("serves, including the console page, and passes its own HEALTHCHECK command", async () => {
      const port = await freePort();
      const cfg = join(image, "test-config.yaml");
      const yaml = `server: { port: ${port} }\nredis: { url: "${TEST_REDIS_URL}", prefix: ${prefix} }\nlog: { level: warn }\ningest: { auth: { tokens: [t0123456789] } }\ndestinations: { console: { platform: console } }\n`;
      (await import("node:fs")).writeFileSync(cfg, yaml);
      serve = spawn(process.execPath, ["bin/dw-chatops.js", "serve", "--config", cfg], {
        cwd: image,
        env: { ...process.env, NODE_ENV: "production" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      serve.stdout?.on("data", (b: Buffer) => out.push(b.toString()));
      serve.stderr?.on("data", (b: Buffer) => out.push(b.toString()));
      const url = `http://127.0.0.1:${port}`;
      await waitFor(
        () =>
          fetch(`${url}/readyz`).then(
            (r) => r.ok,
            () => false,
          ),
        `serve from the image ready:\n${out.join("")}`,
        30_000,
        200,
      );
      expect((await fetch(`${url}/console`)).status).toBe(200);
      const health = final.steps.find((i) => i.op === "HEALTHCHECK")?.args ?? "";
      const cmd = JSON.parse(/CMD\s+(\[.*\])\s*$/.exec(health)?.[1] ?? "[]") as string[];
      const run = (healthUrl: string) =>
        spawnSync(cmd[0] === "node" ? process.execPath : (cmd[0] ?? ""), cmd.slice(1), {
          cwd: image,
          env: { ...process.env, HEALTHCHECK_URL: healthUrl },
        }).status;
      expect(run(`${url}/healthz`)).toBe(0);
      expect(run(`http://127.0.0.1:${await freePort()}/healthz`)).toBe(1);
      serve.kill("SIGTERM");
      await new Promise((r) => serve?.once("exit", r));
      expect(serve.exitCode).toBe(0);
      // Room for the 30 s readiness wait above and the rest on a loaded machine.
    }, 90_000);
  });
});
