import { instanceCodes } from "../dataworks/instance.js";

/**
 * `status=` words and the numeric enums they stand for in each event type that carries a status. Values from
 * the DataWorks "Event list and message format" enumerations: instance status (src/dataworks/instance.ts),
 * workflow (DAG) status (1 not run, 4 running, 5 failed, 6 succeeded) and Data Quality `checkResult`
 * (-2 skipped, -1 error, 0 passed, 1 warning threshold, 2 critical threshold).
 */
export const STATUS_WORDS = [
  "failed",
  "succeeded",
  "running",
  "waiting",
  "notrun",
  "checking",
  "warned",
  "skipped",
] as const;
export type StatusWord = (typeof STATUS_WORDS)[number];

interface StatusValues {
  instance: readonly number[];
  dag: readonly number[];
  dq: readonly number[];
}

export const STATUS_VALUES: Record<StatusWord, StatusValues> = {
  failed: { instance: instanceCodes("failed"), dag: [5], dq: [2, -1] },
  succeeded: { instance: instanceCodes("succeeded"), dag: [6], dq: [0] },
  running: { instance: instanceCodes("running"), dag: [4], dq: [] },
  waiting: { instance: instanceCodes("waitTime", "waitResource"), dag: [], dq: [] },
  notrun: { instance: instanceCodes("notRun"), dag: [1], dq: [] },
  checking: { instance: instanceCodes("checking", "checkingCondition"), dag: [], dq: [] },
  warned: { instance: [], dag: [], dq: [1] },
  skipped: { instance: [], dag: [], dq: [-2] },
};

/** What people type, in English and Chinese, for each status word. */
const ALIASES: Record<string, StatusWord> = {
  fail: "failed",
  failure: "failed",
  error: "failed",
  失败: "failed",
  出错: "failed",
  success: "succeeded",
  ok: "succeeded",
  passed: "succeeded",
  成功: "succeeded",
  通过: "succeeded",
  run: "running",
  运行中: "running",
  运行: "running",
  wait: "waiting",
  等待: "waiting",
  等待中: "waiting",
  "not-run": "notrun",
  not_run: "notrun",
  未运行: "notrun",
  check: "checking",
  检查中: "checking",
  warn: "warned",
  warning: "warned",
  告警: "warned",
  警告: "warned",
  skip: "skipped",
  跳过: "skipped",
};

export function statusWord(input: string): StatusWord | undefined {
  const w = input.toLowerCase();
  return (STATUS_WORDS as readonly string[]).includes(w) ? (w as StatusWord) : ALIASES[w];
}

/** The status of an event in the enum of its type, or undefined for events without one. */
export function eventStatus(
  eventCode: string,
  data: Record<string, unknown>,
): { kind: keyof StatusValues; value: number } | undefined {
  const kind =
    eventCode === "instance-status-changes"
      ? "instance"
      : eventCode === "dag-status-changes"
        ? "dag"
        : eventCode === "dqc-check-finished-event"
          ? "dq"
          : undefined;
  if (!kind) return undefined;
  const raw = kind === "dq" ? data.checkResult : data.status;
  const value = raw === null || raw === undefined || raw === "" ? Number.NaN : Number(raw);
  return Number.isFinite(value) ? { kind, value } : undefined;
}
