import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../fakes/slack-api.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { dailyFromYesterday } from "../helpers/rotation-config.js";
import { freshEvent } from "../helpers/fixtures.js";
import { sleep, waitFor } from "../helpers/wait.js";

const TOKEN = "xoxb-mentions";
const OWNER_UID = "1938274650735"; // ownerId in the node-change fixtures

describe("route mentions: the owner and on-call groups, by severity", () => {
  let slack: FakeSlack;
  let bot: TestBot;

  beforeAll(async () => {
    slack = new FakeSlack({ token: TOKEN, channels: ["C0MEN"] });
    await slack.start();
    bot = await startTestBot({
      slack: { token: TOKEN, apiUrl: slack.apiUrl },
      destinations: { ops: { platform: "slack", channel: "C0MEN" } },
      approvals: { groups: { oncall: { slack: ["U0ONCALL"] } }, users: { [OWNER_UID]: { slack: ["U0OWNER"] } } },
      routes: [
        {
          name: "failures",
          match: { type: ["dataworks:InstanceStatusChanges:InstanceStatusChanges"] },
          destinations: ["ops"],
          mentions: { groups: ["oncall"] },
        },
        { name: "node changes", destinations: ["ops"], mentions: { when: ["info"], owner: true } },
      ],
    });
  });
  afterAll(async () => {
    await bot?.close();
    await slack?.stop();
  });

  const blocksOf = (id: unknown) => slack.messages.find((m) => JSON.stringify(m.blocks).includes(String(id)));

  it("mentions the on-call group on a failure", async () => {
    const ev = freshEvent("instance-status-changes");
    await bot.post(ev);
    const m = await waitFor(() => blocksOf(ev.id), "the failure message");
    expect(JSON.stringify(m.blocks)).toContain("<@U0ONCALL>");
  });

  it("mentions the event's owner through approvals.users, and nobody from event text", async () => {
    const ev = freshEvent("node-change-created");
    (ev.data as Record<string, unknown>).nodeName = "<@U0EVIL> <!channel>";
    await bot.post(ev);
    const m = await waitFor(() => blocksOf(ev.id), "the node message");
    expect(JSON.stringify(m.blocks)).toContain("<@U0OWNER>");
    // Slack parses mentions only in mrkdwn text; there the node name must arrive escaped.
    const mrkdwn: string[] = [];
    JSON.stringify(m.blocks, (_k, v) => {
      if (v && typeof v === "object" && (v as { type?: string }).type === "mrkdwn")
        mrkdwn.push(String((v as { text?: string }).text));
      return v;
    });
    expect(mrkdwn.join("\n")).toContain("&lt;@U0EVIL&gt;");
    expect(mrkdwn.join("\n")).not.toMatch(/<@U0EVIL>|<!channel>/);
  });

  it("does not mention on severities the route did not ask for", async () => {
    const ev = freshEvent("node-change-updated");
    await bot.post(ev);
    const m = await waitFor(() => blocksOf(ev.id), "the message");
    await sleep(50);
    expect(JSON.stringify(m.blocks)).not.toContain("<@U0ONCALL>");
  });
});

describe("route locale: one channel, a Chinese route and an English one", () => {
  it("renders each event in the locale of the route that sent it, over the destination's", async () => {
    const slack = new FakeSlack({ token: TOKEN, channels: ["C0LOC"] });
    await slack.start();
    const bot = await startTestBot({
      slack: { token: TOKEN, apiUrl: slack.apiUrl },
      destinations: { ops: { platform: "slack", channel: "C0LOC", locale: "en" } },
      routes: [
        {
          name: "zh failures",
          match: { type: ["dataworks:InstanceStatusChanges:InstanceStatusChanges"] },
          destinations: ["ops"],
          locale: "zh-CN",
        },
        { name: "the rest", destinations: ["ops"] },
      ],
    });
    try {
      const failed = freshEvent("instance-status-changes");
      const created = freshEvent("node-change-created");
      await bot.post(failed);
      await bot.post(created);
      const zh = await waitFor(
        () => slack.messages.find((m) => JSON.stringify(m.blocks).includes(String(failed.id))),
        "the failure",
      );
      const en = await waitFor(
        () => slack.messages.find((m) => JSON.stringify(m.blocks).includes(String(created.id))),
        "the node change",
      );
      expect(zh.text).toMatch(/[\u4e00-\u9fff]/);
      expect(en.text).not.toMatch(/[\u4e00-\u9fff]/);
    } finally {
      await bot.close();
      await slack.stop();
    }
  });
});

describe("route mentions: a rotation mentions whoever is on call when the message goes out", () => {
  it("mentions today's member of a daily rotation, not yesterday's", async () => {
    const slack = new FakeSlack({ token: TOKEN, channels: ["C0ROT"] });
    await slack.start();
    const bot = await startTestBot({
      slack: { token: TOKEN, apiUrl: slack.apiUrl },
      destinations: { ops: { platform: "slack", channel: "C0ROT" } },
      // Yesterday was U0YESTERDAY's shift, today is U0TODAY's.
      rotations: { oncall: dailyFromYesterday([{ slack: ["U0YESTERDAY"] }, { slack: ["U0TODAY"] }]) },
      routes: [{ name: "failures", destinations: ["ops"], mentions: { groups: ["oncall"] } }],
    });
    try {
      const ev = freshEvent("instance-status-changes");
      await bot.post(ev);
      const m = await waitFor(
        () => slack.messages.find((x) => JSON.stringify(x.blocks).includes(String(ev.id))),
        "the failure message",
      );
      expect(JSON.stringify(m.blocks)).toContain("<@U0TODAY>");
      expect(JSON.stringify(m.blocks)).not.toContain("U0YESTERDAY");
    } finally {
      await bot.close();
      await slack.stop();
    }
  });
});
