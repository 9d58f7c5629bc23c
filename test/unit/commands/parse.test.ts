import { describe, expect, it } from "vitest";
import { type Command, parseCommand, parseSpan } from "../../../src/commands/parse.js";

const ok = (text: string) => {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(`expected "${text}" to parse, got ${r.error.key}`);
  return r;
};
const fail = (text: string) => {
  const r = parseCommand(text);
  if (r.ok) throw new Error(`expected "${text}" to fail, got ${JSON.stringify(r.command)}`);
  return r.error;
};

const APPROVAL = "Zk3xQ0c9bq1T2fYw5m8RgA";

describe("parseCommand: valid input", () => {
  const table: Array<[string, Command]> = [
    ["recent", { name: "recent", limit: 10, filter: {} }],
    ["  RECENT   5 ", { name: "recent", limit: 5, filter: {} }],
    [
      "recent 20 status=failed since=1h workspace=dw_sales_prod",
      { name: "recent", limit: 20, filter: { statuses: ["failed"], sinceMs: 3_600_000, workspace: "dw_sales_prod" } },
    ],
    [
      "recent type=dataworks:InstanceStatusChanges:InstanceStatusChanges",
      { name: "recent", limit: 10, filter: { types: ["instance-status-changes"] } },
    ],
    [
      "recent type=commit-file,DEPLOY-FILE status=succeeded,failed",
      {
        name: "recent",
        limit: 10,
        filter: { types: ["commit-file", "deploy-file"], statuses: ["succeeded", "failed"] },
      },
    ],
    ["recent failed", { name: "recent", limit: 10, filter: { statuses: ["failed"] } }],
    ["recent 50 since=30m", { name: "recent", limit: 50, filter: { sinceMs: 1_800_000 } }],
    // zh: command words, keys, status words and Chinese time units; full-width digits and = from an IME.
    [
      "最近 ５ 状态＝失败 since=1小时 工作空间=dw_sales_prod",
      { name: "recent", limit: 5, filter: { statuses: ["failed"], sinceMs: 3_600_000, workspace: "dw_sales_prod" } },
    ],
    ["最近\u3000失败", { name: "recent", limit: 10, filter: { statuses: ["failed"] } }],
    ["show 53a43290-4ea1-4625-aaaf-6cc9edf8a1b2", { name: "show", eventId: "53a43290-4ea1-4625-aaaf-6cc9edf8a1b2" }],
    ["查看 abc", { name: "show", eventId: "abc" }],
    ["pending", { name: "pending" }],
    ["待审批", { name: "pending" }],
    [`approve ${APPROVAL}`, { name: "approve", approvalId: APPROVAL }],
    [`批准 ${APPROVAL}`, { name: "approve", approvalId: APPROVAL }],
    [
      `block ${APPROVAL} deploy freeze until Monday`,
      { name: "block", approvalId: APPROVAL, reason: "deploy freeze until Monday" },
    ],
    [`拒绝 ${APPROVAL} 周一前封版`, { name: "block", approvalId: APPROVAL, reason: "周一前封版" }],
    [`block ${APPROVAL}`, { name: "block", approvalId: APPROVAL }],
    ["audit", { name: "audit", limit: 10 }],
    ["audit 20 by=@alice", { name: "audit", limit: 20, by: "alice" }],
    ["审计 5 操作人=U0ALICE", { name: "audit", limit: 5, by: "U0ALICE" }],
    [
      "mute type=instance-status-changes workspace=dw_sales_dev for 2h load test",
      {
        name: "mute",
        filter: { types: ["instance-status-changes"], workspace: "dw_sales_dev" },
        durationMs: 7_200_000,
        reason: "load test",
      },
    ],
    ["mute status=failed for 1h30m", { name: "mute", filter: { statuses: ["failed"] }, durationMs: 5_400_000 }],
    [
      "静音 status=失败 持续 30分钟 压测",
      { name: "mute", filter: { statuses: ["failed"] }, durationMs: 1_800_000, reason: "压测" },
    ],
    // "for" is optional when the duration follows the filter.
    ["mute workspace=91234 2d", { name: "mute", filter: { workspace: "91234" }, durationMs: 2 * 86_400_000 }],
    ["mutes", { name: "mutes" }],
    ["静音列表", { name: "mutes" }],
    ["unmute M7K2Q9", { name: "unmute", muteId: "m7k2q9" }],
    ["取消静音 m7k2q9", { name: "unmute", muteId: "m7k2q9" }],
    ["help", { name: "help" }],
    ["help mute", { name: "help", topic: "mute" }],
    ["帮助 静音", { name: "help", topic: "mute" }],
    ["", { name: "help" }],
    ["help nonsense", { name: "help" }],
    ["help constructor", { name: "help" }],
  ];
  it.each(table)("%s", (text, command) => {
    expect(ok(text).command).toEqual(command);
  });

  it("answers in Chinese when the command word is Chinese, else leaves the locale to the channel", () => {
    expect(ok("最近").locale).toBe("zh-CN");
    expect(ok("帮助").locale).toBe("zh-CN");
    expect(ok("recent").locale).toBeUndefined();
    expect(fail("不存在").key).toBe("unknownCommand");
    expect(parseCommand("不存在").locale).toBe("zh-CN");
  });

  it("takes a trailing share (or 分享) as the wish to post for the channel", () => {
    expect(ok("recent 5 share")).toMatchObject({ share: true, command: { limit: 5 } });
    expect(ok("待审批 分享").share).toBe(true);
    expect(ok("recent").share).toBe(false);
  });
});

describe("parseCommand: invalid input", () => {
  const table: Array<[string, string, Record<string, unknown>, string | undefined]> = [
    ["deploy now", "unknownCommand", { word: "deploy" }, undefined],
    ["constructor", "unknownCommand", { word: "constructor" }, undefined],
    ["__proto__", "unknownCommand", { word: "__proto__" }, undefined],
    ["recent constructor=1", "unknownKey", { key: "constructor" }, "recent"],
    ["recent 0", "limit", { max: 50 }, "recent"],
    ["recent 51", "limit", { max: 50 }, "recent"],
    ["recent 5 6", "unexpected", { token: "6" }, "recent"],
    ["recent colour=red", "unknownKey", { key: "colour" }, "recent"],
    ["recent status=exploded", "badStatus", { value: "exploded" }, "recent"],
    ["recent type=not-a-type", "badType", { value: "not-a-type" }, "recent"],
    ["recent since=yesterday", "badDuration", { value: "yesterday" }, "recent"],
    ["recent since=0m", "badDuration", { value: "0m" }, "recent"],
    ["recent since=31d", "sinceTooLong", {}, "recent"],
    ["recent workspace=", "emptyValue", { key: "workspace" }, "recent"],
    ["show", "missingArg", { arg: "eventId" }, "show"],
    ["show a b", "unexpected", { token: "b" }, "show"],
    ["show <script>", "badEventId", {}, "show"],
    ["pending now", "unexpected", { token: "now" }, "pending"],
    ["approve", "missingArg", { arg: "approvalId" }, "approve"],
    ["approve short", "badApprovalId", { id: "short" }, "approve"],
    ["block", "missingArg", { arg: "approvalId" }, "block"],
    ["block bad!id reason", "badApprovalId", {}, "block"],
    ["audit 100", "limit", {}, "audit"],
    ["audit who=alice", "unknownKey", { key: "who" }, "audit"],
    ["audit alice", "unexpected", { token: "alice" }, "audit"],
    ["mute for 1h", "muteNeedsFilter", {}, "mute"],
    ["mute everything for 1h", "muteNeedsFilter", {}, "mute"],
    ["mute status=failed", "missingArg", { arg: "duration" }, "mute"],
    ["mute status=failed for", "missingArg", { arg: "duration" }, "mute"],
    ["mute status=failed for ever", "badDuration", { value: "ever" }, "mute"],
    ["mute since=1h for 1h", "unknownKey", { key: "since" }, "mute"],
    ["mutes all", "unexpected", { token: "all" }, "mutes"],
    ["unmute", "missingArg", { arg: "muteId" }, "unmute"],
    ["unmute m1 m2", "unexpected", { token: "m2" }, "unmute"],
    ["unmute m_1", "badMuteId", {}, "unmute"],
    ["静音 状态=爆炸 持续 1h", "badStatus", { value: "爆炸" }, "mute"],
  ];
  it.each(table)("%s → %s", (text, key, params, usage) => {
    const e = fail(text);
    expect(e.key).toBe(key);
    expect(e.params).toMatchObject(params);
    expect(e.usage).toBe(usage);
  });
});

describe("parseSpan", () => {
  it.each([
    ["30s", 30_000],
    ["15m", 900_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
    ["1h30m", 5_400_000],
    ["30分钟", 1_800_000],
    ["2小时", 7_200_000],
    ["3天", 3 * 86_400_000],
    ["1.5h", undefined],
    ["-1h", undefined],
    ["h", undefined],
    ["0s", undefined],
  ])("%s → %s", (input, ms) => {
    expect(parseSpan(input)).toBe(ms);
  });
});
