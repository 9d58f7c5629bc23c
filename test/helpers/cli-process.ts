import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { TEST_REDIS_URL } from "./redis.js";

const ROOT = join(import.meta.dirname, "..", "..");

export interface CliProcess {
  child: ChildProcess;
  /** stdout and stderr, as they came. */
  out: string[];
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * The real CLI (`src/cli/main.ts` under tsx) as a child process, on the test Redis unless the config says else.
 * `cwd` elsewhere (a fresh directory: local defaults, dataDir under it); `localRedis`: REDIS_URL unset, so
 * `serve` starts its own redis-server under dataDir as a newcomer's does.
 */
export function runCli(args: string[], o: { cwd?: string; localRedis?: boolean } = {}): CliProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: TEST_REDIS_URL, DW_CHATOPS_CONFIG: "" };
  if (o.localRedis) delete env.REDIS_URL;
  // tsx resolved here, so a cwd outside the repository still finds it.
  const child = spawn(
    process.execPath,
    ["--import", import.meta.resolve("tsx"), join(ROOT, "src/cli/main.ts"), ...args],
    {
      cwd: o.cwd ?? ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const out: string[] = [];
  child.stdout?.on("data", (b: Buffer) => out.push(b.toString()));
  child.stderr?.on("data", (b: Buffer) => out.push(b.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, out, exited };
}
