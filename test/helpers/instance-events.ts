import { freshEvent } from "./fixtures.js";

/** The fixture's failure: began 10:10:05, failed 10:25:30 (+08:00). */
export const FAILED_AT = 1750213530000;
export const MIN = 60_000;

/**
 * One instance's status events, in DataWorks' payload, for the node `nodeId` (give each test its own): the rerun
 * keeps the instance id (`taskId`). Times default to a failure at FAILED_AT, rerun 3 minutes later.
 */
export function instanceEvents(nodeId: number) {
  const taskId = nodeId + 100_000;
  const ev = (status: number, times: Record<string, number | null> = {}) => {
    const e = freshEvent("instance-status-changes");
    const data: Record<string, unknown> = { ...(e.data as Record<string, unknown>), nodeId, taskId, status, ...times };
    for (const [k, v] of Object.entries(data)) if (v === null) delete data[k];
    return { ...e, id: String(e.id), data };
  };
  return {
    nodeId,
    taskId,
    waiting: () => ev(2),
    failed: () => ev(5),
    running: (at = FAILED_AT + 3 * MIN) => ev(4, { modifyTime: at, beginRunningTime: at, finishTime: null }),
    succeeded: (began = FAILED_AT + 3 * MIN, at = FAILED_AT + 16 * MIN) =>
      ev(6, { modifyTime: at, beginRunningTime: began, finishTime: at }),
    failedAgain: (began = FAILED_AT + 3 * MIN, at = FAILED_AT + 9 * MIN) =>
      ev(5, { modifyTime: at, beginRunningTime: began, finishTime: at }),
  };
}
