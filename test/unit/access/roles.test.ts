import { describe, expect, it } from "vitest";
import { isMember, membersByPlatform, membersOn } from "../../../src/access/roles.js";

const groups = {
  dba: { slack: ["U0DBA"], lark: ["ou_dba"] },
  oncall: { slack: ["U0ONCALL", "U0DBA"], dingtalk: ["staff7"] },
};

describe("role membership (approvers, command roles, mentions)", () => {
  it("lists a platform's users, then each group's members there", () => {
    const m = { users: { slack: ["U0ALICE"] }, groups: ["dba", "oncall"] };
    expect(membersOn(m, groups, "slack")).toEqual(["U0ALICE", "U0DBA", "U0ONCALL", "U0DBA"]);
    expect(membersOn(m, groups, "lark")).toEqual(["ou_dba"]);
    expect(membersOn(m, groups, "console")).toEqual([]);
  });

  it("knows nobody on a platform it does not know, and nobody in a group that is not defined", () => {
    expect(membersOn({ users: { slack: ["*"] }, groups: ["dba"] }, groups, "teams")).toEqual([]);
    expect(membersOn({ users: {}, groups: ["nobody"] }, groups, "slack")).toEqual([]);
  });

  it("says per platform who is in, every platform present", () => {
    expect(membersByPlatform({ users: { console: ["bob"] }, groups: ["oncall"] }, groups)).toEqual({
      slack: ["U0ONCALL", "U0DBA"],
      lark: [],
      dingtalk: ["staff7"],
      console: ["bob"],
    });
  });

  it("admits the listed, the groups' members and anyone where a platform says *", () => {
    const m = { users: { slack: ["U0ALICE"], console: ["*"] }, groups: ["dba"] };
    expect(isMember(m, groups, "slack", "U0ALICE")).toBe(true);
    expect(isMember(m, groups, "slack", "U0DBA")).toBe(true);
    expect(isMember(m, groups, "lark", "ou_dba")).toBe(true);
    expect(isMember(m, groups, "console", "anyone-at-all")).toBe(true);
    expect(isMember(m, groups, "slack", "U0MALLORY")).toBe(false);
    // An id listed on another platform is not a member here.
    expect(isMember(m, groups, "dingtalk", "U0ALICE")).toBe(false);
  });
});
