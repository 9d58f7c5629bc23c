/**
 * A newcomer's first look (issue 15 items 5 and 11): the bundled samples (examples/events) sent to the local
 * defaults' console. The sample failure is followed at once by its node's recovery, which updates the failure
 * message in place: the updated card must still say what failed, beside how it recovered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventFiles, sampleEventsDir, sendEvents } from "../../src/cli/replay.js";
import { localDefaults } from "../../src/config/load-config.js";
import type { Message } from "../../src/core/message.js";
import { startTestBot, type TestBot } from "../helpers/bot.js";
import { waitFor } from "../helpers/wait.js";

interface FeedEntry {
  kind: string;
  op?: "send" | "update";
  ref?: { ids: Record<string, string> };
  message?: Message;
}

describe("the console's sample flow shows the failure and its recovery", () => {
  let bot: TestBot;
  beforeAll(async () => {
    const { dataDir: _dataDir, ...local } = localDefaults();
    // The local defaults' destinations, routes and approvals, with the built-in outbox (digests on).
    bot = await startTestBot({ ...local, outbox: {} }, { adapterDeps: { console: { print: () => undefined } } });
  });
  afterAll(async () => {
    await bot?.close();
  });

  it("updates the sample failure with its recovery and keeps the failure in the card", async () => {
    const totals = await sendEvents({
      files: eventFiles(sampleEventsDir()),
      url: `${bot.url}${bot.config.ingest.path}`,
      auth: bot.config.ingest.auth,
      rate: 5,
      keepIds: false,
      out: () => undefined,
    });
    expect(totals.accepted).toBe(6);
    const feed = async () =>
      ((await (await fetch(`${bot.url}/console/api/feed`)).json()) as { entries: FeedEntry[] }).entries;
    const ofNode = (entries: FeedEntry[]) =>
      entries.filter((e) => e.kind === "message" && e.message?.kind === "instance-status-changes");
    const update = await waitFor(
      async () => ofNode(await feed()).find((e) => e.op === "update"),
      "the failure card updated by its recovery",
    );
    const sent = ofNode(await feed()).filter((e) => e.op === "send");
    expect(sent).toHaveLength(1);
    expect(sent[0]?.message?.title).toBe("Failed: Node 700001234003");
    // The same card (same ref), now telling both: when it failed, and when, after how long and how it recovered.
    expect(update.ref?.ids).toEqual(sent[0]?.ref?.ids);
    const m = update.message as Message;
    expect(m.title).toBe("Recovered: Node 700001234003");
    expect(m.fields).toEqual(
      expect.arrayContaining([
        { label: "Failed", value: "2025-06-18 10:25:30 (UTC+08:00)" },
        {
          label: "Recovered",
          value: "2025-06-18 10:42:10 (UTC+08:00), 16m 40s after the failure: the same instance was rerun",
        },
      ]),
    );
  });
});
