/**
 * Servers a test file starts (redis-server) and did not stop: a file whose afterAll timed out never reaches its
 * stop(), and an orphaned server would load the machine for whatever runs next (benches included). Each one is
 * listed in a directory of the vitest run (its main process: the forks' parent); the global teardown kills what is
 * listed there and still runs. A signal from the pool ends a fork without its 'exit' event, so a list on disk.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dirOf = (vitestPid: number) => join(tmpdir(), `dwc-test-servers-${vitestPid}`);

export const leftBehind = {
  /** Listed until it exits. */
  add(child: ChildProcess): void {
    const pid = child.pid;
    if (!pid) return;
    const dir = dirOf(process.ppid);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, String(pid)), "");
    child.once("exit", () => rmSync(join(dir, String(pid)), { force: true }));
  },

  /** In the vitest main process, after the last file: kill what is still listed (if it is still a redis-server). */
  killAll(): number {
    const dir = dirOf(process.pid);
    let killed = 0;
    let pids: string[] = [];
    try {
      pids = readdirSync(dir);
    } catch {
      return 0;
    }
    for (const pid of pids) {
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("redis-server")) continue;
        process.kill(Number(pid), "SIGKILL");
        killed++;
      } catch {
        // Gone already, or no /proc here (macOS): nothing to kill.
      }
    }
    rmSync(dir, { recursive: true, force: true });
    return killed;
  },
};
