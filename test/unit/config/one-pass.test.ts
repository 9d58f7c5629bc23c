import { describe, expect, it } from "vitest";
import { configProblems as problems } from "../../helpers/config-problems.js";

const console1 = { platform: "console" };
/** `${NAME}` as written in a config file. */
const ref = (name: string) => `\${${name}}`;

/** parseConfig reports variables, schema and cross-checks in one pass, each problem once. */
describe("one pass over the config", () => {
  it("checks the other items of a list when one is invalid, by their own index", () => {
    expect(
      problems({
        destinations: { c: console1 },
        approvals: {
          routes: [
            { name: "a", destinations: ["c"], approvers: {}, timeoutOutcome: "MAYBE" },
            { name: "b", destinations: ["missing"], approvers: { groups: ["nobody"] } },
          ],
        },
      }),
    ).toEqual([
      'approvals.routes[0].timeoutOutcome: must be one of "OK", "FAIL", "WARN"',
      'approvals.routes[1].destinations: unknown destination "missing"',
      'approvals.routes[1].approvers.groups: unknown group "nobody" (define it under approvals.groups or rotations)',
    ]);
  });

  it("still checks the destinations of a list item that has a schema problem of its own", () => {
    expect(
      problems({
        destinations: {
          c: console1,
          hook: { platform: "lark", webhook: "https://open.feishu.cn/open-apis/bot/v2/hook/x" },
        },
        routes: [{ destinations: ["c", "gone"], continue: "maybe" }],
        approvals: { routes: [{ name: "a", destinations: ["hook", "missing"] }] },
      }),
    ).toEqual([
      "routes[0].continue: must be true or false, not text",
      "approvals.routes[0].approvers: is required",
      'routes[0].destinations: unknown destination "gone"',
      'approvals.routes[0].destinations: unknown destination "missing"',
      'approvals.routes[0].destinations: "hook" is a Lark custom bot, which cannot receive clicks; use an app bot chatId',
    ]);
  });

  it("does not guess about a section with a problem of its own", () => {
    const p = problems(
      {
        slack: { token: ref("SLACK_TOKEN") },
        lark: { appId: ref("LARK_APP_ID"), appSecret: "s", transport: "ws" },
        approvals: {
          groups: { leads: "not a mapping" },
          routes: [{ name: "a", destinations: ["c"], approvers: { groups: ["leads"] } }],
        },
        destinations: {
          c: console1,
          s: { platform: "slack", channel: "C0123456" },
          l: { platform: "lark", chatId: "oc_1" },
        },
        routes: [{ destinations: ["s", "l", "nowhere"] }],
      },
      {},
    );
    expect(p).toEqual([
      "slack.token: environment variable SLACK_TOKEN is not set",
      "lark.appId: environment variable LARK_APP_ID is not set",
      "approvals.groups.leads: must be a mapping (key: value), not text",
      'routes[0].destinations: unknown destination "nowhere"',
    ]);
  });

  it("a valid config has no problems", () => {
    expect(problems({ destinations: { c: console1 }, routes: [{ destinations: ["c"] }] })).toEqual([]);
  });
});
