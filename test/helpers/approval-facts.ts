/**
 * Approvals carrying facts, for card and page tests: the fixture events (test/fixtures/events) with the facts
 * fetchFacts builds from the fake's snapshot shapes (the file versions of dataworks-seeds.ts), made here by the
 * same pure steps (codeDiff, scheduleChanges) so no gateway is needed to render them.
 */
import { codeDiff } from "../../src/approvals/snapshot/diff.js";
import type { Facts, FileFacts } from "../../src/approvals/snapshot/fetch.js";
import { scheduleChanges } from "../../src/approvals/snapshot/schedule-changes.js";
import type { Approval, ApprovalFacts, RiskHighlight } from "../../src/approvals/types.js";
import type { FileSnapshot } from "../../src/dataworks/snapshots.js";
import type { DwEvent } from "../../src/core/event.js";
import { parseEnvelopes } from "../../src/dataworks/envelope.js";
import { COMMITTER, FILE, V5, V6, V7 } from "./dataworks-seeds.js";
import { fixture as fixtureBody } from "./fixtures.js";

/** 2025-06-18 10:15:30 +08:00, the fixtures' time. */
export const CREATED = Date.parse("2025-06-18T10:15:30+08:00");

/** The committed file as GetIDEEventDetail's CommittedFile gives it (seedCommit's snapshot, parsed). */
export function committedFile(content = V7, changeType: FileSnapshot["changeType"] = "UPDATE"): FileSnapshot {
  return {
    kind: "file",
    fileId: FILE,
    fileName: "ods_order_detail_di",
    fileType: 10,
    content,
    changeType,
    comment: "filter out refunds",
    committer: COMMITTER,
    owner: COMMITTER,
    currentVersion: 7,
    dataSourceName: "odps_first",
    nodeId: 700001234003,
    useType: "NORMAL",
    node: {
      cronExpress: "00 05 00 * * ?",
      cycleType: "DAY",
      dependentType: "NONE",
      rerunMode: "ALL_ALLOWED",
      autoRerunTimes: 3,
      resourceGroupId: 375827434852437,
      inputs: ["sales_dw_root"],
      outputs: ["sales_dw.ods_order_detail_di"],
    },
  };
}

const nodeContent = (cron: string) => JSON.stringify({ cycleType: 0, cronExpress: cron });

/** A file change against a base: the previous version (commit) or production (deploy). */
export function fileFacts(
  file: FileSnapshot,
  base: FileFacts["base"],
  baseContent: string,
  baseNodeContent?: string,
): FileFacts {
  return {
    kind: "file",
    file,
    base,
    diff: codeDiff(baseContent, file.content),
    baseContent,
    schedule: scheduleChanges(file.node, baseNodeContent),
  };
}

/** A SQL file of `n` lines, every one different from `hugeBefore`'s. */
export const hugeAfter = (n: number) =>
  Array.from({ length: n }, (_, i) => `SELECT ${i} AS n, 'new' AS v FROM t_${i};\n`).join("");
export const hugeBefore = (n: number) =>
  Array.from({ length: n }, (_, i) => `SELECT ${i} AS n, 'old' AS v FROM t_${i};\n`).join("");

/** What a dangerous run carries: code that could close fences and mention everyone. */
export const HOSTILE_SQL =
  "-- cleanup <!channel> @all <at id=all></at>\nDROP TABLE IF EXISTS tmp_orders;\nSELECT '```' AS fence, '<@U0ALICE>' AS who, '[x](http://evil)' AS link;\n";

export const ok = (facts: Facts): ApprovalFacts => ({ status: "ok", facts });

/** The named cases of the golden and unit tests: a fixture event and its facts. */
export function factCases(): Record<string, { fixture: string; facts?: ApprovalFacts; highlights?: RiskHighlight[] }> {
  return {
    "commit-file": {
      fixture: "commit-file",
      facts: ok(fileFacts(committedFile(), { version: 6, source: "previous" }, V6, nodeContent("00 30 02 * * ?"))),
    },
    "deploy-file": {
      fixture: "deploy-file",
      facts: ok(fileFacts(committedFile(), { version: 5, source: "production" }, V5, nodeContent("00 05 00 * * ?"))),
    },
    "deploy-file.first": {
      fixture: "deploy-file",
      facts: ok(fileFacts(committedFile(V7, "UPDATE"), { source: "none" }, "")),
    },
    "commit-file.new": {
      fixture: "commit-file",
      facts: ok(fileFacts(committedFile(V5, "CREATE"), { source: "none" }, "")),
    },
    "delete-file": {
      fixture: "delete-file",
      facts: ok({
        kind: "file",
        file: { ...committedFile(V6, "DELETE"), deleted: true } as FileSnapshot,
        base: { source: "none" },
        diff: codeDiff(V6, ""),
        baseContent: V6,
        schedule: [],
      }),
    },
    "commit-file.huge": {
      fixture: "commit-file",
      facts: ok(fileFacts(committedFile(hugeAfter(400)), { version: 6, source: "previous" }, hugeBefore(400))),
    },
    "commit-file.flagged": {
      fixture: "commit-file",
      facts: ok(fileFacts(committedFile(HOSTILE_SQL), { version: 6, source: "previous" }, V6)),
      highlights: [{ policy: "no-drops", lines: [{ line: 2, text: "DROP TABLE IF EXISTS tmp_orders;" }] }],
    },
    "run-file": {
      fixture: "run-file",
      facts: ok({
        kind: "run",
        run: { kind: "run", fileId: 500001977, fileType: 10, dataSourceName: "odps_first", content: HOSTILE_SQL },
      }),
    },
    "commit-table": {
      fixture: "commit-table",
      facts: ok({
        kind: "table",
        table: {
          kind: "table",
          tableName: "dwd_trade_order_di",
          comment: "Trade orders, daily",
          dataSourceName: "odps_first",
          env: "DEV",
          lifeCycle: 365,
          columns: [
            { name: "order_id", type: "BIGINT", comment: "order id", partition: false },
            { name: "amount", type: "DECIMAL(18,2)", partition: false },
            { name: "ds", type: "STRING", comment: "business date", partition: true },
          ],
        },
      }),
    },
    "commit-file.loading": { fixture: "commit-file", facts: { status: "loading" } },
    "commit-file.unavailable": {
      fixture: "commit-file",
      facts: {
        status: "unavailable",
        reason: "lookup-failed",
        why: "GetIDEEventDetail failed: HTTP 400 InvalidParameter.MessageId",
        detail: "GetIDEEventDetail failed: HTTP 400 InvalidParameter.MessageId",
      },
    },
    "download-resources": {
      fixture: "download-resources",
      facts: {
        status: "unavailable",
        reason: "not-a-snapshot-event",
        why: "DataWorks keeps no snapshot of download-resources events",
        detail: "download-resources",
      },
    },
  };
}

/** A pending approval of the fixture event with these facts. */
export function approvalWith(fixture: string, facts?: ApprovalFacts, highlights?: RiskHighlight[]): Approval {
  return {
    id: "AbCdEfGhIjKlMnOpQrStUv",
    event: fixtureEvent(fixture),
    route: "",
    createdAt: CREATED,
    deadline: CREATED + 30 * 60_000,
    timeoutOutcome: "FAIL",
    state: "pending",
    cards: [],
    ...(facts ? { facts } : {}),
    ...(highlights ? { highlights } : {}),
  };
}

function fixtureEvent(name: string): DwEvent {
  const r = parseEnvelopes(fixtureBody(name));
  if (!r.ok) throw new Error(`fixture ${name} does not parse: ${JSON.stringify(r.problems)}`);
  return r.events[0]!;
}
