import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { createDecisionSender, type SendDecision } from "../../src/dataworks/decisions.js";
import { DataWorksApiError, endpointFor } from "../../src/dataworks/openapi-client.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { fakeDataWorksApi } from "../helpers/dataworks-api.js";

const AK = "LTAI-test-key-id";
const SECRET = "dw-secret-0123456789abcdef";
const EXT = "58e95e2acd6f408e8707f1bf2591f9e9";

/** The real @alicloud/openapi-client (V3 signature) against the fake gateway. */
describe("sendDecision → DataWorks OpenAPI (real SDK, fake gateway)", () => {
  let dw: FakeDataWorks;
  let send: SendDecision;

  const config = (over: Record<string, unknown> = {}) =>
    parseConfig(
      {
        dataworks: {
          endpoint: dw.endpoint,
          protocol: "http",
          accessKeyId: AK,
          accessKeySecret: SECRET,
          extensionCode: EXT,
          timeout: "2s",
          ...over,
        },
      },
      {},
    ).dataworks;

  beforeAll(async () => {
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await dw.start();
    send = createDecisionSender(config());
  });
  afterAll(async () => {
    await dw?.stop();
  });

  it("answers a DataStudio event with UpdateIDEEventResult, parameters in the form body", async () => {
    const res = await send({
      eventCode: "commit-file",
      messageId: "m-ide-1",
      regionId: "cn-shanghai",
      checkResult: "FAIL",
      message: "Rejected by @alice: SELECT * on a 10 TB table — 请加分区条件",
    });
    expect(res).toMatchObject({ api: "UpdateIDEEventResult", sentCheckResult: "FAIL" });
    expect(res.requestId).toMatch(/^FAKE-/);
    const call = dw.callsOf("UpdateIDEEventResult").at(-1)!;
    expect(call).toMatchObject({ version: "2020-05-18", location: "body", accessKeyId: AK });
    expect(call.params).toEqual({
      MessageId: "m-ide-1",
      ExtensionCode: EXT,
      CheckResult: "FAIL",
      CheckResultTip: "Rejected by @alice: SELECT * on a 10 TB table — 请加分区条件",
    });
    expect(dw.decisions.get("m-ide-1")).toMatchObject({ checkResult: "FAIL" });
  });

  it("answers an Operation Center event with UpdateWorkbenchEventResult in the query; WARN becomes OK + tip", async () => {
    const res = await send({
      eventCode: "freeze-node",
      messageId: "m-wb-1",
      checkResult: "WARN",
      message: "frozen at night",
    });
    expect(res).toMatchObject({ api: "UpdateWorkbenchEventResult", sentCheckResult: "OK" });
    const call = dw.callsOf("UpdateWorkbenchEventResult").at(-1)!;
    expect(call.location).toBe("query");
    expect(call.params).toMatchObject({
      MessageId: "m-wb-1",
      CheckResult: "OK",
      CheckResultTip: "[WARN] frozen at night",
    });
    await send({ eventCode: "backfill-data", messageId: "m-wb-2", checkResult: "FAIL" });
    expect(dw.decisions.get("m-wb-2")).toMatchObject({ action: "UpdateWorkbenchEventResult", checkResult: "FAIL" });
  });

  it('answers other extension points with CallbackExtension (CheckMessage; Success is the string "true")', async () => {
    const res = await send({
      eventCode: "download-resources",
      messageId: "m-cb-1",
      checkResult: "WARN",
      message: "PII",
    });
    expect(res).toMatchObject({ api: "CallbackExtension", sentCheckResult: "WARN" });
    expect(dw.callsOf("CallbackExtension").at(-1)!.params).toEqual({
      ExtensionCode: EXT,
      MessageId: "m-cb-1",
      CheckResult: "WARN",
      CheckMessage: "PII",
    });
  });

  it("honours dataworks.decisionApis per event code", async () => {
    const s = createDecisionSender(config({ decisionApis: { "pre-kill-instance": "CallbackExtension" } }));
    expect((await s({ eventCode: "pre-kill-instance", messageId: "m-o-1", checkResult: "OK" })).api).toBe(
      "CallbackExtension",
    );
  });

  it("throttling and 5xx are retryable; InvalidParameter is permanent", async () => {
    dw.script.push({ answer: { throttle: true } });
    const t = await send({ eventCode: "commit-file", messageId: "m-e-1", checkResult: "OK" }).catch((e) => e);
    expect(t).toBeInstanceOf(DataWorksApiError);
    expect(t).toMatchObject({ retryable: true, throttled: true, apiCode: "Throttling.User", status: 429 });
    expect(t.requestId).toMatch(/^FAKE-/);

    dw.script.push({ answer: { status: 503, code: "ServiceUnavailable" } });
    const u = await send({ eventCode: "commit-file", messageId: "m-e-2", checkResult: "OK" }).catch((e) => e);
    expect(u).toMatchObject({ retryable: true, status: 503, apiCode: "ServiceUnavailable" });

    dw.script.push({ answer: { status: 500 } });
    expect(
      await send({ eventCode: "commit-file", messageId: "m-e-3", checkResult: "OK" }).catch((e) => e),
    ).toMatchObject({ retryable: true, apiCode: "InternalError" });

    dw.script.push({ answer: { invalidParameter: true } });
    const p = await send({ eventCode: "commit-file", messageId: "m-e-4", checkResult: "OK" }).catch((e) => e);
    expect(p).toMatchObject({ retryable: false, status: 400, apiCode: "InvalidParameter" });
  });

  it("Success:false on HTTP 200 is a permanent failure", async () => {
    dw.script.push({ answer: { successFalse: true } });
    const e = await send({ eventCode: "download-resources", messageId: "m-f-1", checkResult: "OK" }).catch((x) => x);
    expect(e).toBeInstanceOf(DataWorksApiError);
    expect(e).toMatchObject({ retryable: false, apiCode: "Invalid.Extension.MessageNotFound" });
    expect(dw.decisions.has("m-f-1")).toBe(false);
  });

  it("a wrong secret is refused by the gateway (SignatureDoesNotMatch): permanent, and the secret is nowhere", async () => {
    const wrong = "wrong-secret-ZYXW987654";
    const s = createDecisionSender(config({ accessKeySecret: wrong }));
    const before = dw.calls.length;
    const e = await s({ eventCode: "commit-file", messageId: "m-s-1", checkResult: "OK" }).catch((x) => x);
    expect(e).toMatchObject({ retryable: false, apiCode: "SignatureDoesNotMatch", status: 400 });
    expect(dw.refusals.at(-1)).toBe("SignatureDoesNotMatch");
    expect(dw.calls.length).toBe(before);
    const everything = JSON.stringify({ ...e, message: e.message, stack: e.stack });
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(SECRET);
    expect(e.message).toContain("accessKeySecret");
  });

  it("an unknown AccessKey id and a stale clock are refused too", async () => {
    const s = createDecisionSender(config({ accessKeyId: "LTAI-nobody" }));
    expect(await s({ eventCode: "commit-file", messageId: "m-s-2", checkResult: "OK" }).catch((x) => x)).toMatchObject({
      retryable: false,
      apiCode: "InvalidAccessKeyId.NotFound",
    });
    dw.now = () => Date.now() + 20 * 60_000;
    try {
      const e = await send({ eventCode: "commit-file", messageId: "m-s-3", checkResult: "OK" }).catch((x) => x);
      expect(e).toMatchObject({ retryable: false, apiCode: "InvalidTimeStamp.Expired" });
    } finally {
      dw.now = Date.now;
    }
  });

  it("a slow gateway times out as a retryable error within the configured timeout", async () => {
    dw.script.push({ answer: { delayMs: 1500 } });
    const s = createDecisionSender(config({ timeout: 300 }));
    const t0 = Date.now();
    const e = await s({ eventCode: "commit-file", messageId: "m-t-1", checkResult: "OK" }).catch((x) => x);
    expect(Date.now() - t0).toBeLessThan(1200);
    expect(e).toMatchObject({ retryable: true, apiCode: "Timeout" });
  });

  it("a refused connection is retryable", async () => {
    const s = createDecisionSender(config({ endpoint: "127.0.0.1:9" }));
    expect(await s({ eventCode: "commit-file", messageId: "m-n-1", checkResult: "OK" }).catch((x) => x)).toMatchObject({
      retryable: true,
    });
  });

  it("refuses locally what it cannot send: no decision API, no extension code", async () => {
    expect(
      await send({ eventCode: "instance-status-changes", messageId: "x", checkResult: "OK" }).catch((e) => e),
    ).toMatchObject({
      retryable: false,
      apiCode: "NoDecisionApi",
    });
    const s = createDecisionSender(config({ extensionCode: undefined }));
    expect(await s({ eventCode: "commit-file", messageId: "x", checkResult: "OK" }).catch((e) => e)).toMatchObject({
      retryable: false,
      apiCode: "NoExtensionCode",
    });
  });

  it("the fake refuses an unknown action and a missing required parameter in the documented location", async () => {
    const api = fakeDataWorksApi(dw, AK, SECRET);
    expect(
      await api
        .call({ action: "DeleteEverything", version: "2020-05-18", params: {}, location: "body" })
        .catch((e) => e),
    ).toMatchObject({
      apiCode: "InvalidAction.NotFound",
      retryable: false,
    });
    // UpdateWorkbenchEventResult reads its parameters from the query string.
    const misplaced = await api
      .call({
        action: "UpdateWorkbenchEventResult",
        version: "2020-05-18",
        params: { MessageId: "m", ExtensionCode: EXT, CheckResult: "OK" },
        location: "body",
      })
      .catch((e) => e);
    expect(misplaced).toMatchObject({ apiCode: "MissingMessageId", retryable: false });
  });
});

describe("endpointFor", () => {
  it.each([
    ["cn-hangzhou", undefined, "dataworks.cn-hangzhou.aliyuncs.com"],
    ["ap-southeast-1", undefined, "dataworks.ap-southeast-1.aliyuncs.com"],
    ["cn-huhehaote", undefined, "dataworks.aliyuncs.com"],
    ["cn-qingdao", undefined, "dataworks.aliyuncs.com"],
    ["cn-shanghai", "dataworks-vpc.cn-shanghai.aliyuncs.com", "dataworks-vpc.cn-shanghai.aliyuncs.com"],
    ["cn-shanghai", "https://proxy.internal:8443/", "proxy.internal:8443"],
  ])("%s (override %s) → %s", (region, override, host) => {
    expect(endpointFor(region, override)).toBe(host);
  });
});
