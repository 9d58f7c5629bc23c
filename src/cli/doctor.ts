/**
 * `dw-chatops doctor`: check the live set-up the way the setup guides' checklists do, one line per item with
 * what to fix. Exit 1 when something needed is missing or refused (a "fail" line), 0 otherwise (warnings allowed).
 */
import { loadConfig } from "../config/load-config.js";
import type { Config } from "../config/schema.js";
import { checkDingTalk, checkLark, checkSlack } from "./doctor/chat.js";
import { checkDataWorks } from "./doctor/dataworks.js";
import type { CheckLine } from "./doctor/line.js";
import { checkRedisLine } from "./doctor/redis.js";

const MARK: Record<CheckLine["status"], string> = { ok: "ok  ", warn: "WARN", fail: "FAIL", skip: "skip" };

export async function runDoctor(
  config: Readonly<Config>,
  o: { workspaces?: string[]; redisUrl?: string } = {},
): Promise<CheckLine[]> {
  const parts = await Promise.all([
    checkRedisLine(config, o.redisUrl),
    checkSlack(config),
    checkLark(config),
    checkDingTalk(config),
    checkDataWorks(config, { workspaces: o.workspaces }),
  ]);
  return parts.flat();
}

export function formatLines(lines: readonly CheckLine[]): string {
  const width = Math.min(40, Math.max(...lines.map((l) => l.item.length), 0));
  return lines
    .map(
      (l) =>
        `${MARK[l.status]}  ${l.item.padEnd(width)}  ${l.detail}${l.fix ? `\n      ${" ".repeat(width)}  → ${l.fix}` : ""}`,
    )
    .join("\n");
}

export async function doctorCommand(o: { configPath?: string; workspaces?: string }): Promise<number> {
  const { config } = loadConfig({ path: o.configPath });
  const workspaces = (o.workspaces ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = workspaces.find((w) => !/^\d+$/.test(w));
  if (bad) {
    process.stderr.write(`--workspace takes workspace ids (digits), not "${bad}"\n`);
    return 2;
  }
  const lines = await runDoctor(config, { workspaces });
  const failed = lines.filter((l) => l.status === "fail").length;
  const warned = lines.filter((l) => l.status === "warn").length;
  process.stdout.write(
    `${formatLines(lines)}\n\n${failed ? `${failed} to fix` : "all needed items ok"}${warned ? `, ${warned} warning(s)` : ""}\n`,
  );
  return failed ? 1 : 0;
}
