import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";
import { ConfigError } from "../../../src/core/errors.js";
import type { DwEvent } from "../../../src/core/event.js";
import { parseEnvelopes } from "../../../src/dataworks/envelope.js";
import { Router } from "../../../src/routing/router.js";
import { allFixtureNames, fixture } from "../../helpers/fixtures.js";

/** Routes a DataWorks team would write, run over the real fixtures through the envelope parser and Router. */
function event(name: string, patch: (e: Record<string, unknown>) => void = () => {}): DwEvent {
  const raw = structuredClone(fixture(name));
  patch(raw);
  const parsed = parseEnvelopes(raw);
  if (!parsed.ok) throw new Error(`${name}: ${JSON.stringify(parsed.problems)}`);
  return parsed.events[0] as DwEvent;
}

const INSTANCE = "dataworks:InstanceStatusChanges:InstanceStatusChanges";
const destinations = Object.fromEntries(
  ["failures", "prod-failures", "extension-points", "dq", "deploys", "everything-else"].map((d) => [
    d,
    { platform: "console" },
  ]),
);

const config = parseConfig(
  {
    destinations,
    routes: [
      {
        name: "failed instances of workspace 91234",
        match: { type: [INSTANCE], data: { status: [5], appId: [91234] } },
        destinations: ["failures"],
        continue: true,
      },
      {
        name: "failed runs in Shanghai, any workspace, scheduled (not backfill) DAGs",
        match: {
          source: ["acs.dataworks"],
          type: [INSTANCE, "dataworks:DagStatusChanges:DagStatusChanges"],
          aliyunregionid: ["cn-shanghai"],
          data: { status: [5], dagType: [{ "anything-but": [5] }] },
        },
        destinations: ["prod-failures"],
      },
      {
        name: "data quality",
        match: { type: [{ prefix: "dataworks:DqcCheck:" }] },
        destinations: ["dq"],
      },
      {
        name: "extension points in DataStudio and DI",
        match: { data: { eventCode: ["commit-file", "deploy-file", "start-diJob", "batch-start-diJob"] } },
        destinations: ["extension-points"],
        continue: true,
      },
      {
        name: "deploys",
        match: { type: [{ suffix: ":DeployFile" }, { suffix: ":DeployTable" }] },
        destinations: ["deploys"],
      },
    ],
    defaultDestinations: ["everything-else"],
  },
  {},
);
const router = new Router(config);

const table: Array<[string, DwEvent, string[]]> = [
  ["failed instance of 91234", event("instance-status-changes"), ["failures", "prod-failures"]],
  ["running instance", event("variants/instance-status-changes.running"), ["everything-else"]],
  ["succeeded instance", event("variants/instance-status-changes.succeeded"), ["everything-else"]],
  [
    "failed instance of another workspace",
    event("instance-status-changes", (e) => {
      (e.data as Record<string, unknown>).appId = 10001;
    }),
    ["prod-failures"],
  ],
  [
    "failed backfill (dagType 5) of 91234: workspace route only",
    event("variants/instance-status-changes.backfill-manual-workflow", (e) => {
      (e.data as Record<string, unknown>).status = 5;
    }),
    ["failures"],
  ],
  [
    "failed instance in Beijing, other workspace",
    event("instance-status-changes", (e) => {
      e.aliyunregionid = "cn-beijing";
      (e.data as Record<string, unknown>).appId = 10001;
    }),
    ["everything-else"],
  ],
  ["failed DAG (dagType 3) in Shanghai", event("dag-status-changes"), ["prod-failures"]],
  ["data quality event", event("dqc-check-finished-event"), ["dq"]],
  ["commit-file extension point", event("commit-file"), ["extension-points"]],
  ["deploy-file: extension point and deploy", event("deploy-file"), ["extension-points", "deploys"]],
  ["deploy-table", event("deploy-table"), ["deploys"]],
  ["start-diJob", event("start-diJob"), ["extension-points"]],
  ["FC envelope download pre-event", event("variants/fc-envelope.download-resources"), ["everything-else"]],
];

describe("DataWorks routes over the fixtures", () => {
  for (const [name, ev, expected] of table) {
    it(name, () => expect(router.destinations(ev)).toEqual(expected));
  }

  it("every fixture routes somewhere and only instance/DAG events reach the failure channels", () => {
    for (const name of allFixtureNames()) {
      const d = router.destinations(event(name));
      expect(d.length, name).toBeGreaterThan(0);
      if (d.includes("failures") || d.includes("prod-failures"))
        expect(["instance-status-changes", "dag-status-changes"], name).toContain(name);
    }
  });
});

describe("check-config reports pattern problems with the route and place", () => {
  it("lists every bad route in one error", () => {
    let err: unknown;
    try {
      parseConfig(
        {
          destinations: { c: { platform: "console" } },
          routes: [
            { match: { tpye: [INSTANCE] }, destinations: ["c"] },
            { match: { data: { status: [{ numeric: ["=>", 5] }] } }, destinations: ["c"] },
            { match: { type: [INSTANCE] }, destinations: ["c"] },
            { match: { data: { appId: 91234 } }, destinations: ["c"] },
          ],
        },
        {},
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^routes\[0\]\.match: tpye: not an event attribute/);
    expect(problems[1]).toMatch(/^routes\[1\]\.match: data\.status\[0\]: numeric operator "=>"/);
    expect(problems[2]).toMatch(/^routes\[3\]\.match: data\.appId: must be an array/);
  });
});
