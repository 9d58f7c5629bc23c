import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventFiles, sendEvents } from "../../src/cli/replay.js";
import { readEventsFile } from "../../src/cli/read-event-file.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { fixture } from "../helpers/fixtures.js";
import { waitFor } from "../helpers/wait.js";

const LONG = "1234567890123456789"; // beyond 2^53: JSON.parse would make it 1234567890123456800

/** `dw-chatops replay` against a running bot: arrays, long DataWorks ids and a bad file among good ones. */
describe("replay and event files", () => {
  const dir = mkdtempSync(join(tmpdir(), "dwc-replay-"));
  let bot: TestBot;
  beforeAll(async () => {
    bot = await startTestBot({ destinations: { log: { platform: "console" } }, defaultDestinations: [] });
    const one = fixture("kill-instance");
    // Two events with one id: replay gives each its own, so deduplication keeps both.
    writeFileSync(join(dir, "a-array.json"), JSON.stringify([one, one]));
    writeFileSync(join(dir, "b-broken.json"), "{ not json");
    const long = JSON.stringify(fixture("instance-status-changes")).replace(/"nodeId":\s*\d+/, `"nodeId":${LONG}`);
    writeFileSync(join(dir, "c-long.json"), long);
  });
  afterAll(async () => {
    await bot?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends every good file, names the bad one, and keeps long ids exact", async () => {
    const lines: string[] = [];
    const result = await sendEvents({
      files: eventFiles(dir),
      url: `${bot.url}${bot.config.ingest.path}`,
      auth: bot.config.ingest.auth,
      rate: 1000,
      keepIds: false,
      out: (l) => lines.push(l),
    });
    expect(result).toEqual({ accepted: 3, duplicates: 0, failed: 1 });
    expect(lines).toContainEqual(expect.stringMatching(/^BAD .*b-broken\.json: /));
    expect(lines).toContainEqual(expect.stringMatching(/^202 .*a-array\.json: 2 accepted$/));
    expect(lines.at(-1)).toBe("3 files: 3 events accepted, 0 duplicates, 1 file failed");
    const stored = await waitFor(async () => {
      const recent = await bot.runtime.recent.list(10);
      return recent.length === 3 ? recent : undefined;
    }, "three events stored");
    const ids = new Set(stored.map((s) => s.event.id));
    expect(ids.size).toBe(3);
    const inst = stored.find((s) => s.event.eventCode === "instance-status-changes");
    expect(String(inst?.event.data.nodeId)).toBe(LONG);
  });

  it('prints what the server answered: an event sent again with its id is a duplicate, not "sent"', async () => {
    const file = join(dir, "c-long.json");
    const send = async () => {
      const lines: string[] = [];
      const result = await sendEvents({
        files: [file],
        url: `${bot.url}${bot.config.ingest.path}`,
        auth: bot.config.ingest.auth,
        rate: 1000,
        keepIds: true,
        out: (l) => lines.push(l),
      });
      return { result, lines };
    };
    await send();
    const again = await send();
    expect(again.result).toEqual({ accepted: 0, duplicates: 1, failed: 0 });
    expect(again.lines[0]).toMatch(
      /^202 .*c-long\.json: 0 accepted, 1 duplicate \(already received: not processed again\)$/,
    );
    expect(again.lines.at(-1)).toBe("1 file: 0 events accepted, 1 duplicate, 0 files failed");
  });

  it("`render` and `route` read an event file with long ids exact", () => {
    expect(String(readEventsFile(join(dir, "c-long.json")).events[0]?.data.nodeId)).toBe(LONG);
  });
});
