/**
 * Real bot processes for the reliability suite: the CLI (`src/cli/main.ts` under tsx, as in
 * test/integration/multi-process.test.ts) with a YAML config, every byte of stdout/stderr kept in a log file
 * (scenario 9 scans them all for secrets), and the V8 inspector on so memory can be measured after a real GC.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "../../helpers/free-port.js";
import { waitFor } from "../../helpers/wait.js";

export const ROOT = join(import.meta.dirname, "..", "..", "..");
/** Every process's output lands here; the run's last step scans the directory. */
export const LOG_DIR = process.env.RELIABILITY_LOG_DIR ?? join(ROOT, ".reliability", "logs");
mkdirSync(LOG_DIR, { recursive: true });

export { freePort };

export function writeConfig(name: string, config: Record<string, unknown>): string {
  const file = join(LOG_DIR, "..", `${name}.yaml`);
  writeFileSync(file, stringify(config));
  return file;
}

export interface BotProcess {
  name: string;
  child: ChildProcess;
  /** http://127.0.0.1:port of serve, or of the worker's --metrics-port. */
  url: string;
  logFile: string;
  /** Text written so far (kept in memory too, for quick checks). */
  output(): string;
  exited: Promise<number | null>;
  ready(timeoutMs?: number): Promise<void>;
  /** ws:// URL of the inspector, once printed. */
  inspectorUrl(): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

let seq = 0;

/** Start `serve` (port = HTTP) or `worker` (port = --metrics-port) with the config file. */
export async function startBot(
  name: string,
  kind: "serve" | "serve-no-workers" | "worker",
  configFile: string,
  env: Record<string, string> = {},
): Promise<BotProcess> {
  const port = await freePort();
  const args =
    kind === "worker"
      ? ["worker", "--config", configFile, "--metrics-port", String(port)]
      : [
          "serve",
          "--config",
          configFile,
          "--port",
          String(port),
          ...(kind === "serve-no-workers" ? ["--no-workers"] : []),
        ];
  const logFile = join(LOG_DIR, `${String(++seq).padStart(2, "0")}-${name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(
    process.execPath,
    ["--inspect=127.0.0.1:0", "--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, DW_CHATOPS_CONFIG: "", REDIS_URL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let text = "";
  const keep = (b: Buffer) => {
    log.write(b);
    // Bounded in memory; the file has everything.
    text = (text + b.toString()).slice(-2_000_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((r) =>
    child.once("exit", (code, signal) => {
      log.end();
      r(code ?? (signal ? -1 : null));
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const p: BotProcess = {
    name,
    child,
    url,
    logFile,
    output: () => text,
    exited,
    async ready(timeoutMs = 60_000) {
      await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`${name} exited:\n${text.slice(-3000)}`);
          return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok;
        },
        `${name} ready`,
        timeoutMs,
        200,
      );
    },
    inspectorUrl: () =>
      waitFor(() => /Debugger listening on (ws:\/\/\S+)/.exec(text)?.[1], `${name} inspector`, 10_000),
    async kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 35_000).unref())]);
    },
  };
  return p;
}

/** Stop everything that is still running (SIGKILL: the scenario has taken its figures). */
export async function killAll(procs: readonly (BotProcess | undefined)[]): Promise<void> {
  await Promise.all(procs.map((p) => p?.kill("SIGKILL")));
}
