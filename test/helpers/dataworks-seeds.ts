import type { FakeDataWorks } from "../fakes/dataworks-api.js";
import type { FileVersionSeed } from "../fakes/dataworks-snapshot-api.js";

/** Ids of the commit-file / deploy-file fixtures (test/fixtures/events). */
export const PROJECT = 91234;
export const FILE = 500001830;
export const COMMITTER = "1938274650735";

export const V5 = "SELECT order_id, amount\nFROM ods_order\nWHERE ds = '$[bizdate]';\n";
export const V6 = "SELECT order_id, amount, currency\nFROM ods_order\nWHERE ds = '$[bizdate]';\n";
export const V7 = "SELECT order_id, amount, currency\nFROM ods_order\nWHERE ds = '$[bizdate]'\n  AND amount > 0;\n";

function version(v: number, content: string, prod: boolean): FileVersionSeed {
  return {
    FileVersion: v,
    FileContent: content,
    FileName: "ods_order_detail_di",
    ChangeType: "UPDATE",
    Comment: `version ${v}`,
    CommitUser: COMMITTER,
    CommitTime: 1750212600000 + v,
    IsCurrentProd: prod,
    Status: prod ? "DEPLOYED" : "COMMITTED",
    UseType: "NORMAL",
    NodeContent: JSON.stringify({ cycleType: 0, cronExpress: v === 6 ? "00 30 02 * * ?" : "00 05 00 * * ?" }),
  };
}

/** A file at version 6 (5 in production) whose version 7 is being committed with `content`. */
export function seedCommit(dw: FakeDataWorks, messageId: string, content = V7, changeType = "UPDATE") {
  dw.seeds.setVersions(PROJECT, FILE, [version(5, V5, true), version(6, V6, false)]);
  dw.seeds.setEventDetail(PROJECT, messageId, {
    CommittedFile: {
      FileId: FILE,
      FileName: "ods_order_detail_di",
      FileType: 10,
      Content: content,
      ChangeType: changeType,
      Comment: "filter out refunds",
      Committor: COMMITTER,
      NodeId: 700001234003,
      UseType: "NORMAL",
      FilePropertyContent: { CurrentVersion: 7, DataSourceName: "odps_first", Owner: COMMITTER, BusinessId: 74328 },
      NodeConfiguration: {
        CronExpress: "00 05 00 * * ?",
        CycleType: "DAY",
        DependentType: "NONE",
        RerunMode: "ALL_ALLOWED",
        AutoRerunTimes: 3,
        AutoRerunIntervalMillis: 120000,
        ResourceGroupId: 375827434852437,
        InputList: [{ Input: "sales_dw_root", ParseType: "AUTO" }],
        OutputList: [{ Output: "sales_dw.ods_order_detail_di", RefTableName: "ods_order_detail_di" }],
      },
    },
  });
}
