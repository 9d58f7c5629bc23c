import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { neutralise } from "../../../adapters/dingtalk/neutralise.js";
import { ApprovalStore } from "../../../src/approvals/store.js";
import { parseCommand } from "../../../src/commands/parse.js";
import type { DwEvent } from "../../../src/core/event.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";

/**
 * People read an approval id in chat and type it back (`approve <id>`). With base64url ids about 3 % held a "_"
 * that DingTalk's markdown defusing shows as "＿" (a pending answer that did not list the id it was asked for;
 * CI saw it as a timeout in approvals-dingtalk.test.ts): 2,000 ids include such an id all but surely.
 */
describe("approval ids read the same in every chat", () => {
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = testPrefix();
  afterAll(async () => {
    await deleteKeys(prefix);
    redis.disconnect();
  });

  it("are letters and digits, unique, shown verbatim by DingTalk markdown and accepted back by approve", async () => {
    const store = new ApprovalStore(redis, prefix);
    const route = { route: "r", deadline: Date.now() + 60_000, timeoutOutcome: "FAIL" as const };
    const ids = await Promise.all(
      Array.from({ length: 2_000 }, async (_, i) => {
        const event = { source: "acs.dataworks", id: `ev-${i}`, type: "t", eventCode: "c", data: {} };
        return (await store.create(event as unknown as DwEvent, route)).id;
      }),
    );
    expect(new Set(ids).size).toBe(ids.length);
    // Where the pending answer and the card put one: after a label, and at the start of a line.
    const shownOtherwise = ids.filter((id) => neutralise(`ID: ${id}\n${id}`) !== `ID: ${id}\n${id}`);
    expect(shownOtherwise).toEqual([]);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9]{22}$/);
      expect(parseCommand(`approve ${id}`)).toMatchObject({ ok: true, command: { name: "approve", approvalId: id } });
    }
    expect((await store.get(ids[0]!))?.id).toBe(ids[0]);
  });
});
