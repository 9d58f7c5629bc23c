import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { formatLines, runDoctor } from "../../src/cli/doctor.js";
import type { CheckLine } from "../../src/cli/doctor/line.js";
import { parseConfig } from "../../src/config/load-config.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { FakeDingTalk } from "../fakes/dingtalk-api.js";
import { FakeLark } from "../fakes/lark-api.js";
import { FakeSlack } from "../fakes/slack-api.js";
import { publishedExtension } from "../helpers/dataworks-api.js";
import { runCli } from "../helpers/cli-process.js";
import { PROJECT } from "../helpers/dataworks-seeds.js";
import { TEST_REDIS_URL } from "../helpers/redis.js";

const AK = "LTAI-doctor";
const SECRET = "doctor-secret-0123456";
const CODE = "ext-doctor";

describe("dw-chatops doctor against the fakes (each item, each failure)", () => {
  let slack: FakeSlack;
  let lark: FakeLark;
  let ding: FakeDingTalk;
  let dw: FakeDataWorks;

  const raw = (over: Record<string, unknown> = {}) => ({
    redis: { url: TEST_REDIS_URL },
    slack: { token: "xoxb-doctor", signingSecret: "sig", apiUrl: slack.apiUrl },
    lark: { appId: "cli_doctor", appSecret: "lark-secret", domain: lark.url, encryptKey: "ek" },
    dingtalk: {
      clientId: "ding-doctor",
      clientSecret: "ding-secret",
      robotCode: "robot-1",
      apiUrl: ding.url,
      stream: false,
      cardTemplateId: "tpl",
    },
    dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: CODE }),
    destinations: { ops: { platform: "slack", channel: "C1" }, dt: { platform: "dingtalk", conversationId: "cid1" } },
    approvals: {
      routes: [
        {
          name: "deploys",
          match: {
            type: ["dataworks:FileChange:DeployFile", "dataworks:FileChange:CommitFile"],
            data: { projectId: [PROJECT] },
          },
          destinations: ["ops"],
          approvers: { users: { slack: ["U1"] } },
        },
      ],
    },
    ...over,
  });
  const doctor = async (over: Record<string, unknown> = {}, o: { workspaces?: string[]; redisUrl?: string } = {}) =>
    runDoctor(parseConfig(raw(over), {}), { redisUrl: TEST_REDIS_URL, ...o });
  const item = (lines: CheckLine[], name: string) => lines.find((l) => l.item === name);
  const failures = (lines: CheckLine[]) => lines.filter((l) => l.status === "fail").map((l) => l.item);

  beforeAll(async () => {
    slack = new FakeSlack({ token: "xoxb-doctor", channels: ["C1"] });
    lark = new FakeLark({ appId: "cli_doctor", appSecret: "lark-secret", chats: [] });
    ding = new FakeDingTalk({
      appKey: "ding-doctor",
      appSecret: "ding-secret",
      robotCode: "robot-1",
      conversations: ["cid1"],
    });
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await Promise.all([slack.start(), lark.start(), ding.start(), dw.start()]);
  });
  afterAll(() => Promise.all([slack.stop(), lark.stop(), ding.stop(), dw.stop()]));
  beforeEach(() => {
    slack.scopes = ["chat:write", "users:read", "commands"];
    dw.seeds.extensions.set(CODE, publishedExtension(CODE, { ExtensionName: "chatops" }));
    dw.seeds.enabled.clear();
    dw.seeds.enable(PROJECT, "commit-file", CODE);
    dw.seeds.enable(PROJECT, "deploy-file", CODE);
  });

  it("a healthy set-up: every item ok, nothing to fix", async () => {
    const lines = await doctor();
    expect(failures(lines)).toEqual([]);
    expect(item(lines, "redis")).toMatchObject({ status: "ok", detail: expect.stringMatching(/^Redis \d+\.\d+/) });
    expect(item(lines, "slack.auth")).toMatchObject({ status: "ok", detail: "team Fake Team, bot user U0BOT" });
    expect(item(lines, "slack.scope chat:write")?.status).toBe("ok");
    expect(item(lines, "lark.bot")).toMatchObject({ status: "ok", detail: '"DataWorks Bot" enabled' });
    expect(item(lines, "dingtalk.token")?.status).toBe("ok");
    expect(item(lines, "dataworks.credentials")?.status).toBe("ok");
    expect(item(lines, "dataworks.bound deploy-file")).toMatchObject({ status: "ok", detail: 'route "deploys"' });
    expect(item(lines, `dataworks.enabled ${PROJECT} commit-file`)?.status).toBe("ok");
    const text = formatLines(lines);
    expect(text).toMatch(/^ok {4}redis /m);
  });

  it("Slack: a refused token, and a missing scope the config needs (channels:history for recoverLostPosts)", async () => {
    const bad = await doctor({ slack: { token: "xoxb-wrong", apiUrl: slack.apiUrl, signingSecret: "s" } });
    expect(item(bad, "slack.auth")).toMatchObject({
      status: "fail",
      detail: "auth.test answered invalid_auth",
      fix: expect.stringMatching(/Bot User OAuth Token/),
    });
    const scopes = await doctor({
      slack: { token: "xoxb-doctor", apiUrl: slack.apiUrl, signingSecret: "s", recoverLostPosts: true },
    });
    expect(item(scopes, "slack.scope channels:history")).toMatchObject({
      status: "fail",
      fix: expect.stringMatching(/Bot Token Scopes/),
    });
    slack.scopes = ["chat:write"];
    expect(item(await doctor(), "slack.scope users:read")?.status).toBe("warn");
  });

  it("Lark: wrong app secret, and a bot the tenant has not enabled", async () => {
    const bad = await doctor({ lark: { appId: "cli_doctor", appSecret: "nope", domain: lark.url, encryptKey: "ek" } });
    expect(item(bad, "lark.token")?.status).toBe("fail");
    const off = new FakeLark({ appId: "cli_doctor", appSecret: "lark-secret", chats: [], botActivateStatus: 3 });
    await off.start();
    try {
      const lines = await doctor({
        lark: { appId: "cli_doctor", appSecret: "lark-secret", domain: off.url, encryptKey: "ek" },
      });
      expect(item(lines, "lark.bot")).toMatchObject({
        status: "fail",
        detail: expect.stringMatching(/activate_status 3/),
      });
    } finally {
      await off.stop();
    }
  });

  it("DingTalk: wrong client secret; app-robot destinations without a robotCode", async () => {
    const bad = await doctor({
      dingtalk: { clientId: "ding-doctor", clientSecret: "nope", apiUrl: ding.url, stream: false, robotCode: "r" },
    });
    expect(item(bad, "dingtalk.token")?.status).toBe("fail");
    const noRobot = await doctor({
      dingtalk: { clientId: "ding-doctor", clientSecret: "ding-secret", apiUrl: ding.url, stream: false },
    });
    expect(item(noRobot, "dingtalk.robot")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/dt post as the app robot/),
    });
  });

  it("Redis unreachable", async () => {
    const lines = await doctor({}, { redisUrl: "redis://127.0.0.1:1" });
    expect(item(lines, "redis")).toMatchObject({ status: "fail", fix: expect.stringMatching(/REDIS_URL/) });
  });

  it("DataWorks: refused AccessKey, unknown extension, an unbound event, a workspace where it is not enabled, Testing", async () => {
    const badKey = await doctor({
      dataworks: dw.botConfig({ accessKeyId: "LTAI-other", accessKeySecret: "x", extensionCode: CODE }),
    });
    expect(item(badKey, "dataworks.credentials")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/InvalidAccessKeyId/),
    });
    const unknown = await doctor({
      dataworks: dw.botConfig({ accessKeyId: AK, accessKeySecret: SECRET, extensionCode: "nope" }),
    });
    expect(item(unknown, "dataworks.extension")).toMatchObject({
      status: "fail",
      fix: expect.stringMatching(/register the extension/),
    });

    dw.seeds.extensions.get(CODE)!.BindEventList = [{ EventCode: "commit-file", EventName: "x" }];
    dw.seeds.enable(PROJECT, "commit-file");
    const lines = await doctor({}, { workspaces: ["777"] });
    expect(item(lines, "dataworks.bound deploy-file")).toMatchObject({
      status: "fail",
      fix: expect.stringMatching(/Processed Extension Points/),
    });
    expect(item(lines, `dataworks.enabled ${PROJECT} commit-file`)).toMatchObject({
      status: "fail",
      fix: expect.stringMatching(/Management Center/),
    });
    expect(item(lines, "dataworks.enabled 777 commit-file")?.status).toBe("fail");

    dw.seeds.extensions.get(CODE)!.Status = 0;
    dw.seeds.extensions.get(CODE)!.ProjectTesting = PROJECT;
    const testing = await doctor();
    expect(item(testing, "dataworks.extension")).toMatchObject({
      status: "warn",
      detail: expect.stringMatching(/Testing/),
    });

    const noKey = await doctor({ dataworks: {} });
    expect(item(noKey, "dataworks.credentials")).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/local stand-in/),
    });
  });

  it("the real CLI: one line per item, exit 1 with something to fix, exit 0 when all is well; --help lists it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "doctor-"));
    const write = (name: string, cfg: unknown) => {
      const p = join(dir, name);
      writeFileSync(p, JSON.stringify(cfg));
      return p;
    };
    const good = runCli(["doctor", "--config", write("good.yaml", raw())]);
    expect(await good.exited).toBe(0);
    expect(good.out.join("")).toMatch(/all needed items ok/);
    const bad = runCli([
      "doctor",
      "--config",
      write("bad.yaml", raw({ slack: { token: "xoxb-wrong", apiUrl: slack.apiUrl, signingSecret: "s" } })),
    ]);
    expect(await bad.exited).toBe(1);
    const out = bad.out.join("");
    expect(out).toMatch(/FAIL {2}slack\.auth/);
    expect(out).toMatch(/1 to fix/);
    expect(out).not.toContain(SECRET);
    const help = runCli(["--help"]);
    expect(await help.exited).toBe(0);
    expect(help.out.join("")).toMatch(/doctor {16}check the live set-up/);
  }, 60_000);
});
