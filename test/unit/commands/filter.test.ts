import { describe, expect, it } from "vitest";
import { describeFilter, type EventFilter, matchesFilter } from "../../../src/commands/filter.js";
import type { DwEvent } from "../../../src/core/event.js";
import { parseEnvelopes } from "../../../src/dataworks/envelope.js";
import { fixture } from "../../helpers/fixtures.js";

function event(name: string, data: Record<string, unknown> = {}): DwEvent {
  const raw = fixture(name);
  const parsed = parseEnvelopes({ ...raw, data: { ...(raw.data as object), ...data } });
  if (!parsed.ok) throw new Error(`fixture ${name} does not parse`);
  return parsed.events[0] as DwEvent;
}

describe("matchesFilter", () => {
  const instance = (status: number) => event("instance-status-changes", { status });
  const table: Array<[string, EventFilter, DwEvent, boolean, string[]?]> = [
    ["empty filter matches anything", {}, event("commit-file"), true],
    ["type by event code", { types: ["commit-file"] }, event("commit-file"), true],
    ["other type", { types: ["deploy-file"] }, event("commit-file"), false],
    ["failed instance (status 5)", { statuses: ["failed"] }, instance(5), true],
    ["succeeded instance is not failed", { statuses: ["failed"] }, instance(6), false],
    ["waiting covers 2 and 3", { statuses: ["waiting"] }, instance(3), true],
    ["notrun covers 0", { statuses: ["notrun"] }, instance(0), true],
    ["failed DAG (status 5)", { statuses: ["failed"] }, event("dag-status-changes", { status: 5 }), true],
    ["running DAG (status 4)", { statuses: ["failed"] }, event("dag-status-changes", { status: 4 }), false],
    ["DQ critical (checkResult 2) is failed", { statuses: ["failed"] }, event("dqc-check-finished-event"), true],
    [
      "DQ error (checkResult -1) is failed",
      { statuses: ["failed"] },
      event("dqc-check-finished-event", { checkResult: -1 }),
      true,
    ],
    ["DQ warning (1) is warned", { statuses: ["warned"] }, event("dqc-check-finished-event", { checkResult: 1 }), true],
    [
      "DQ passed (0) is not failed",
      { statuses: ["failed"] },
      event("dqc-check-finished-event", { checkResult: 0 }),
      false,
    ],
    ["events without a status never match status=", { statuses: ["failed"] }, event("commit-file"), false],
    ["workspace by id (appId)", { workspace: "91234" }, instance(5), true],
    ["workspace by other id", { workspace: "91235" }, instance(5), false],
    [
      "workspace by a name the payload carries",
      { workspace: "DW_SALES_PROD" },
      event("dqc-check-finished-event"),
      true,
    ],
    ["workspace name from enrichment", { workspace: "dw_sales_prod" }, instance(5), true, ["dw_sales_prod"]],
    ["workspace name unknown", { workspace: "dw_sales_prod" }, instance(5), false],
    [
      "all keys must hold",
      { types: ["instance-status-changes"], statuses: ["failed"], workspace: "91234" },
      instance(6),
      false,
    ],
  ];
  it.each(table)("%s", (_name, filter, e, expected, names) => {
    expect(matchesFilter(filter, e, names)).toBe(expected);
  });
});

describe("describeFilter", () => {
  it("writes the filter back as it can be typed", () => {
    expect(
      describeFilter({ types: ["commit-file"], statuses: ["failed", "warned"], workspace: "x", sinceMs: 5_400_000 }),
    ).toBe("type=commit-file status=failed,warned workspace=x since=90m");
    expect(describeFilter({ sinceMs: 2 * 86_400_000 })).toBe("since=2d");
  });
});
