import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";
import { escalationMentions, targetNames } from "../../../src/incidents/escalation.js";
import { escalationMessage } from "../../../src/incidents/escalation-message.js";
import { packageRoot } from "../../../src/package-root.js";
import { loadMessages, translate } from "../../../src/templating/i18n.js";
import { instanceEvent } from "../../helpers/fixtures.js";

const messages = loadMessages([join(packageRoot(), "templates")], ["en", "zh-CN"]);
const t = (locale: string) => (key: string, p?: Record<string, unknown>) => translate(messages, locale, key, p);

const failure = {
  ...instanceEvent({ taskId: 523536569736, nodeId: 700001234003, status: 5 }),
  time: "2026-12-07T02:03:00+08:00",
};
const facts = {
  failure,
  enrich: { nodeName: "ods_order_detail_di" },
  n: 2,
  of: 3,
  now: Date.parse("2026-12-07T02:33:00+08:00"),
  mentions: [{ userId: "U0TODAY" }],
  targets: "@oncall-secondary",
};

describe("the escalation message", () => {
  it("says which failure nobody picked up, for how long, which firing of how many, and mentions the targets", () => {
    const m = escalationMessage(facts, "en", t("en"));
    expect(m.title).toBe("ods_order_detail_di failed 30 min ago and nobody has acknowledged it");
    expect(m.severity).toBe("danger");
    expect(m.fields).toEqual([
      { label: "Node", value: "ods_order_detail_di" },
      { label: "Instance", value: "523536569736" },
      { label: "Escalated to", value: "@oncall-secondary" },
    ]);
    expect(m.context).toEqual(["Escalation 2 of 3"]);
    expect(m.mentions).toEqual([{ userId: "U0TODAY" }]);
    expect(m.actions).toEqual([]);
  });

  it("in Chinese, every word", () => {
    const m = escalationMessage(facts, "zh-CN", t("zh-CN"));
    expect(m.title).toBe("ods_order_detail_di 已失败 30 分钟，尚无人认领");
    expect(m.context).toEqual(["第 2 次升级（共 3 次）"]);
    expect(m.fields.map((f) => f.label)).toEqual(["节点", "实例", "升级给"]);
    expect(JSON.stringify(m.sections)).toMatch(/认领/);
    for (const key of ["title", "titleSince", "text", "to", "count"])
      expect(messages["zh-CN"]?.[`escalation.${key}`], key).toMatch(/[\u4e00-\u9fff]/);
  });

  it("without a name or a time, the node id and no duration", () => {
    const m = escalationMessage({ ...facts, enrich: {}, failure: { ...failure, time: "" } }, "en", t("en"));
    expect(m.title).toBe("Nobody has acknowledged the failure of 700001234003");
  });
});

describe("escalation targets", () => {
  const config = parseConfig(
    {
      destinations: { ops: { platform: "console" } },
      approvals: { groups: { dba: { slack: ["U0DBA"], lark: ["ou_dba"] } } },
      rotations: {
        oncall: {
          shift: "daily",
          handover: "09:00",
          timeZone: "Asia/Shanghai",
          start: "2026-12-07",
          members: [{ slack: ["U0ANN"] }, { slack: ["U0BOB"] }],
        },
      },
      routes: [
        {
          name: "failures",
          destinations: ["ops"],
          escalate: {
            after: "10m",
            mention: { groups: ["oncall", "dba"], users: { slack: ["U0DBA", "U0LEAD"] } },
            repeat: 1,
          },
        },
      ],
    },
    {},
  );
  const esc = config.routes[0]?.escalate;
  if (!esc) throw new Error("no escalate");

  it("defaults every to after", () => {
    expect(esc.after).toBe(600_000);
    expect(esc.every).toBeUndefined();
    expect(esc.repeat).toBe(1);
  });

  it("mention whoever is on call when it fires, each id once, per platform", () => {
    const day1 = Date.parse("2026-12-07T12:00:00+08:00");
    const day2 = Date.parse("2026-12-08T12:00:00+08:00");
    expect(escalationMentions(config, esc, "slack", day1).map((m) => m.userId)).toEqual(["U0DBA", "U0LEAD", "U0ANN"]);
    expect(escalationMentions(config, esc, "slack", day2).map((m) => m.userId)).toEqual(["U0DBA", "U0LEAD", "U0BOB"]);
    expect(escalationMentions(config, esc, "lark", day1).map((m) => m.userId)).toEqual(["ou_dba"]);
    expect(targetNames(esc)).toBe("@oncall, @dba, slack U0DBA U0LEAD");
    // The timeline's words: who was on call when it fired.
    expect(targetNames(esc, { config, now: day2 })).toBe("@oncall (slack U0BOB), @dba, slack U0DBA U0LEAD");
  });

  it("check-config refuses unknown groups and an escalation to nobody", () => {
    const problems = (escalate: Record<string, unknown>) => {
      try {
        parseConfig(
          { destinations: { ops: { platform: "console" } }, routes: [{ destinations: ["ops"], escalate }] },
          {},
        );
        return [];
      } catch (e) {
        return (e as { problems?: readonly string[] }).problems ?? [String(e)];
      }
    };
    expect(problems({ mention: { groups: ["oncal"] } })).toEqual([
      'routes[0].escalate.mention.groups: unknown group "oncal" (define it under approvals.groups or rotations)',
    ]);
    expect(problems({ mention: {} })).toEqual([
      "routes[0].escalate.mention: names nobody (give users or groups to escalate to)",
    ]);
    expect(problems({ after: "soon", mention: { users: { slack: ["U0X"] } } })).toEqual([
      'routes[0].escalate.after: not a duration: "soon" (write e.g. "30s", "15m", "24h")',
    ]);
  });
});
