import { DataWorksApi } from "../../src/dataworks/openapi-client.js";
import type { FakeDataWorks } from "../fakes/dataworks-api.js";
import type { ExtensionSeed } from "../fakes/dataworks-snapshot-api.js";

/** The real OpenAPI client (V3 signature) pointed at a running fake, signing with the key the fake knows. */
export function fakeDataWorksApi(
  dw: FakeDataWorks,
  accessKeyId: string,
  accessKeySecret: string,
  timeoutMs = 2000,
): DataWorksApi {
  return new DataWorksApi({
    endpoint: dw.endpoint,
    protocol: "http",
    accessKeyId,
    accessKeySecret,
    regionId: "cn-hangzhou",
    timeoutMs,
  });
}

/** Forget the calls the fake saw and the answers scripted for the last test. */
export function resetCalls(dw: FakeDataWorks): void {
  dw.calls.length = 0;
  dw.script.length = 0;
}

/** A published extension bound to the commit-file and deploy-file checks. */
export const publishedExtension = (code: string, over: Partial<ExtensionSeed> = {}): ExtensionSeed => ({
  ExtensionCode: code,
  ExtensionName: "chatops approvals",
  BindEventList: [
    { EventCode: "commit-file", EventName: "File submission pre-event" },
    { EventCode: "deploy-file", EventName: "File deployment pre-event" },
  ],
  Status: 5,
  ...over,
});
