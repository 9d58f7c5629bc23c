/**
 * A rotation stands wherever a group does, for whoever is on call at the moment: as an approval route's approvers
 * (a click or command decides only for today's member) and as a command role (mute). Real bot, Redis and HTTP, on
 * the local console, where the chat command handler and the approval's authorization run as on every platform.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDiff, type Message } from "../../src/core/message.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { dailyFromYesterday } from "../helpers/rotation-config.js";
import { freshEvent } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/wait.js";

describe("a rotation as approvers and as a command role", () => {
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startTestBot(
      {
        destinations: { console: { platform: "console" } },
        routes: [{ name: "all", destinations: ["console"] }],
        // Yesterday was ann's shift, today is bob's.
        rotations: { oncall: dailyFromYesterday([{ console: ["ann"] }, { console: ["bob"] }]) },
        approvals: { routes: [{ name: "local", destinations: ["console"], approvers: { groups: ["oncall"] } }] },
        commands: { roles: { mute: { groups: ["oncall"] } } },
      },
      { adapterDeps: { console: { print: () => undefined } } },
    );
  });
  afterAll(async () => {
    await bot?.close();
  });

  const ask = async (user: string, text: string) => {
    const res = await fetch(`${bot.url}/console/api/command`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ user, text }),
    });
    expect(res.status).toBe(200);
    const m = ((await res.json()) as { message: Message }).message;
    return [m.title, ...m.fields.map((f) => f.value), ...m.sections.map((s) => (isDiff(s) ? "" : s.text))].join("\n");
  };

  it("only today's member of the rotation may decide", async () => {
    await bot.post(freshEvent("commit-file"));
    const a = await waitFor(async () => (await bot.runtime.approvalStore.pending(10))[0], "the pending approval");
    expect(await ask("ann", `approve ${a.id}`)).toContain("not an approver");
    expect((await bot.runtime.approvalStore.get(a.id))?.state).toBe("pending");
    expect(await ask("bob", `approve ${a.id}`)).toMatch(/Approved/i);
    expect((await bot.runtime.approvalStore.get(a.id))?.decision?.by).toMatchObject({ kind: "human", userId: "bob" });
  });

  it("only today's member of the rotation has the mute role", async () => {
    expect(await ask("ann", "mute status=failed for 10m load test")).toMatch(/not allowed to mute|may not mute/i);
    expect(await ask("bob", "mute status=failed for 10m load test")).toMatch(/Muted/);
    expect(await bot.runtime.mutes.active()).toHaveLength(1);
  });
});
