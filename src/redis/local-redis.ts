import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { AppError } from "../core/errors.js";

export interface LocalRedis {
  url: string;
  stop(): Promise<void>;
}

/**
 * Start a private redis-server for the run command when REDIS_URL is unset: persistence (AOF) under
 * dataDir, loopback only, stopped when the bot stops.
 */
export async function startLocalRedis(dataDir: string): Promise<LocalRedis> {
  const which = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (which.error || which.status !== 0) {
    throw new AppError(
      "REDIS_NOT_FOUND",
      "REDIS_URL is not set and no redis-server was found on PATH. Either set REDIS_URL=redis://host:6379 " +
        "(Redis >= 6.2), or install Redis locally (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis).",
    );
  }
  const dir = resolve(join(dataDir, "redis"));
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--save",
      "",
      "--maxmemory-policy",
      "noeviction",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  await waitReady(child);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once("exit", () => res());
        child.kill("SIGTERM");
      }),
  };
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((res, rej) => {
    let out = "";
    const timer = setTimeout(
      () => rej(new AppError("REDIS_START_FAILED", `redis-server did not start in 10 s:\n${out.slice(-2000)}`)),
      10_000,
    );
    const onData = (b: Buffer) => {
      out += b.toString();
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        res();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      rej(new AppError("REDIS_START_FAILED", `redis-server exited with code ${code}:\n${out.slice(-2000)}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}
