import { describe, expect, it } from "vitest";
import { configProblems as problems } from "../helpers/config-problems.js";

const slackApprovals = (slack: Record<string, unknown>) => ({
  slack: { token: "xoxb-1", ...slack },
  destinations: { s: { platform: "slack", channel: "C1" } },
  approvals: { routes: [{ name: "prod", destinations: ["s"], approvers: { users: { slack: ["U1"] } } }] },
});
const larkApprovals = (lark: Record<string, unknown>) => ({
  lark: { appId: "cli_0123456789abcdef", appSecret: "s", ...lark },
  destinations: { l: { platform: "lark", chatId: "oc_1" } },
  approvals: { routes: [{ name: "prod", destinations: ["l"], approvers: { users: { lark: ["ou_a"] } } }] },
});

/** Which transport settings let approvals receive clicks: Socket Mode and the Lark long connection count. */
describe("config: socket transports for approvals", () => {
  it("Slack approvals need a signing secret or Socket Mode with an app token", () => {
    expect(problems(slackApprovals({}))).toEqual([
      expect.stringContaining("signingSecret (HTTP at POST /slack/events) or socketMode"),
    ]);
    expect(problems(slackApprovals({ signingSecret: "x" }))).toEqual([]);
    expect(problems(slackApprovals({ socketMode: true, appToken: "xapp-1-A1-123" }))).toEqual([]);
    // An app token alone does not switch to Socket Mode.
    expect(problems(slackApprovals({ appToken: "xapp-1-A1-123" }))).toHaveLength(1);
  });

  it("refuses socketMode without an app token, and a bot token as the app token", () => {
    expect(problems(slackApprovals({ signingSecret: "x", socketMode: true }))).toEqual([
      expect.stringContaining("slack.appToken: socketMode needs the app-level token"),
    ]);
    expect(problems(slackApprovals({ socketMode: true, appToken: "xoxb-2" }))).toContainEqual(
      expect.stringContaining('slack.appToken: must be an app-level token ("xapp-…")'),
    );
  });

  it("Lark approvals need encryptKey over HTTP only; ws needs a self-built app id", () => {
    expect(problems(larkApprovals({}))).toEqual([expect.stringContaining("lark.encryptKey")]);
    expect(problems(larkApprovals({ transport: "http", encryptKey: "k" }))).toEqual([]);
    expect(problems(larkApprovals({ transport: "ws" }))).toEqual([]);
    expect(problems(larkApprovals({ transport: "ws", appId: "cli_x" }))).toEqual([
      expect.stringContaining("lark.appId: the long connection (transport: ws) needs a self-built app id"),
    ]);
    expect(problems(larkApprovals({ transport: "socket" }))).toContainEqual(expect.stringContaining("lark.transport"));
  });
});
