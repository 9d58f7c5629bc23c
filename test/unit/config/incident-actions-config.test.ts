import { describe, expect, it } from "vitest";
import { configProblems as problems } from "../../helpers/config-problems.js";
import { parseConfig } from "../../../src/config/load-config.js";

describe("routes[].actions and incidents", () => {
  it("defaults: the failure buttons, nobody allowed, no owner; incidents kept 7 days", () => {
    const c = parseConfig(
      { destinations: { c: { platform: "console" } }, routes: [{ destinations: ["c"], actions: {} }] },
      {},
    );
    expect(c.routes[0]?.actions).toEqual({
      buttons: ["acknowledge", "rerun", "set-success"],
      users: {},
      groups: [],
      roles: {},
      owner: false,
    });
    expect(c.incidents).toEqual({ retention: 7 * 86_400_000, ownOperationWindow: 300_000 });
  });

  it("names unknown groups and buttons by their path", () => {
    expect(
      problems({
        destinations: { c: { platform: "console" } },
        approvals: { groups: { oncall: { slack: ["U1"] } } },
        routes: [
          { destinations: ["c"], actions: { groups: ["oncall", "nobody"], roles: { stop: { groups: ["ghosts"] } } } },
        ],
      }),
    ).toEqual([
      'routes[0].actions.groups: unknown group "nobody" (define it under approvals.groups or rotations)',
      'routes[0].actions.roles.stop.groups: unknown group "ghosts" (define it under approvals.groups or rotations)',
    ]);
    expect(problems({ routes: [{ destinations: ["c"], actions: { buttons: ["restart"] } }] })[0]).toMatch(
      /^routes\[0\]\.actions\.buttons\[0\]: must be one of/,
    );
  });
});
