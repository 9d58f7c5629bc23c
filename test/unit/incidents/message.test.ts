import { describe, expect, it } from "vitest";
import { incidentActionsSchema } from "../../../src/config/sections/incident-actions.js";
import {
  confirmText,
  incidentButtons,
  incidentLines,
  operationLine,
  timelineLine,
  whoIsOnIt,
  type IncidentView,
} from "../../../src/incidents/message.js";
import { packageRoot } from "../../../src/package-root.js";
import { loadMessages, translate } from "../../../src/templating/i18n.js";
import { join } from "node:path";

const messages = loadMessages([join(packageRoot(), "templates")], ["en", "zh-CN"]);
const en = (key: string, p?: Record<string, unknown>) => translate(messages, "en", key, p);
const zh = (key: string, p?: Record<string, unknown>) => translate(messages, "zh-CN", key, p);
const TZ = "Asia/Shanghai";
const at = (hhmm: string) => Date.parse(`2026-12-07T${hhmm}:00+08:00`);
const wang = { platform: "lark", userId: "ou_wang", name: "王芳" };
const li = { platform: "slack", userId: "U0LI", name: "Li Lei" };

const failed: IncidentView = {
  instanceId: "523536569736",
  nodeId: "700001234003",
  nodeName: "ods_order_detail_di",
  bizDate: "2026-12-06",
  state: "open",
  timeline: [{ at: at("02:03"), kind: "failed" }],
};
const defaults = incidentActionsSchema.parse({});
const ids = (i: IncidentView, buttons = defaults.buttons) => incidentButtons(i, { buttons }, en).map((b) => b.actionId);

describe("incident buttons", () => {
  it("a failed instance: Acknowledge, Rerun, Mark success; Stop is not for a failure", () => {
    expect(ids(failed, ["acknowledge", "rerun", "set-success", "stop"])).toEqual([
      "incident.ack",
      "incident.rerun",
      "incident.set-success",
    ]);
  });

  it("once acknowledged, Acknowledge becomes Take over", () => {
    const acked: IncidentView = { ...failed, state: "acknowledged", ack: { by: wang, since: at("02:05") } };
    expect(ids(acked)).toEqual(["incident.take-over", "incident.rerun", "incident.set-success"]);
  });

  it("a running instance shows Stop only when the route lists it; nothing once it is over", () => {
    const running: IncidentView = { ...failed, state: "running" };
    expect(ids(running)).toEqual(["incident.ack"]);
    expect(ids(running, ["stop"])).toEqual(["incident.stop"]);
    expect(ids({ ...failed, state: "recovered" }, ["acknowledge", "rerun", "set-success", "stop"])).toEqual([]);
    expect(ids({ ...failed, state: "stopped" }, ["acknowledge", "rerun", "set-success", "stop"])).toEqual([]);
  });

  it("only the buttons the route lists; no operation buttons while one is in flight", () => {
    expect(ids(failed, ["acknowledge"])).toEqual(["incident.ack"]);
    expect(ids({ ...failed, pending: { op: "rerun", by: wang, at: at("02:06") } })).toEqual(["incident.ack"]);
  });

  it("Rerun, Mark success and Stop ask first, naming node, instance and business date, in the message's language", () => {
    const [, rerun] = incidentButtons(failed, defaults, en);
    expect(rerun).toMatchObject({ actionId: "incident.rerun", label: "Rerun", value: "523536569736" });
    expect(rerun?.confirm).toEqual({
      title: "Rerun this instance?",
      text: "Rerun node ods_order_detail_di (700001234003), instance 523536569736, business date 2026-12-06?",
      ok: "Rerun",
      cancel: "Cancel",
    });
    const [ack, , setSuccess] = incidentButtons(failed, defaults, zh);
    expect(ack?.confirm).toBeUndefined();
    expect(ack?.label).toBe("认领");
    expect(setSuccess?.confirm?.text).toContain(
      "节点 ods_order_detail_di (700001234003) 的实例 523536569736（业务日期 2026-12-06）",
    );
    expect(confirmText({ instanceId: "1" }, "stop", en)).toBe(
      "Stop node unknown node, instance 1, business date unknown?",
    );
  });
});

describe("incident lines", () => {
  it("the timeline in one line, en and zh-CN; a rerun request followed by its rerun shows once", () => {
    const timeline: IncidentView["timeline"] = [
      { at: at("02:03"), kind: "failed" },
      { at: at("02:05"), kind: "acknowledged", by: wang },
      { at: at("02:06"), kind: "rerun-requested", by: wang },
      { at: at("02:06"), kind: "rerun", by: wang },
      { at: at("02:19"), kind: "succeeded" },
    ];
    expect(timelineLine(timeline, en, TZ)).toBe(
      "failed 02:03 · acknowledged by 王芳 02:05 · rerun by 王芳 02:06 · succeeded 02:19",
    );
    expect(timelineLine(timeline, zh, TZ)).toBe("失败 02:03 · 王芳 认领 02:05 · 王芳 重跑 02:06 · 成功 02:19");
    // Still waiting for DataWorks: the request shows.
    expect(timelineLine(timeline.slice(0, 3), en, "UTC")).toBe(
      "failed 18:03 · acknowledged by 王芳 18:05 · rerun requested by 王芳 18:06",
    );
    expect(timelineLine([{ at: at("02:18"), kind: "escalated", detail: "oncall-secondary" }], en, TZ)).toBe(
      "escalated 02:18 (oncall-secondary)",
    );
  });

  it("who is on it: nobody yet, someone since, a take-over", () => {
    expect(whoIsOnIt(failed, en, TZ)).toBe("Nobody has acknowledged this yet.");
    expect(whoIsOnIt({ state: "acknowledged", ack: { by: wang, since: at("02:05") } }, en, TZ)).toBe(
      "On it: 王芳 since 02:05",
    );
    expect(whoIsOnIt({ state: "acknowledged", ack: { by: li, since: at("02:09"), from: wang } }, zh, TZ)).toBe(
      "处理人：Li Lei（02:09 起，接手自 王芳）",
    );
    expect(whoIsOnIt({ state: "recovered" }, en, TZ)).toBeUndefined();
  });

  it("the operation in flight, its success, or the API's error in plain words", () => {
    expect(operationLine({ pending: { op: "rerun", by: wang, at: 0 } }, en)).toBe(
      "Rerun requested by 王芳: asking DataWorks…",
    );
    expect(operationLine({ lastOp: { op: "set-success", by: wang, at: 0, ok: true } }, zh)).toBe(
      "王芳 的置成功：DataWorks 已受理。",
    );
    expect(
      operationLine({ lastOp: { op: "stop", by: li, at: 0, ok: false, error: "the instance is not running" } }, en),
    ).toBe("Stop by Li Lei failed: the instance is not running");
    expect(operationLine({}, en)).toBeUndefined();
  });

  it("all lines in order", () => {
    expect(incidentLines(failed, en, TZ)).toEqual(["Nobody has acknowledged this yet.", "failed 02:03"]);
  });
});
