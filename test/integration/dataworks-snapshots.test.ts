import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DataWorksApi, DataWorksApiError } from "../../src/dataworks/openapi-client.js";
import {
  getEventDetail,
  getExtension,
  getFileVersion,
  listEnabledExtensions,
  listFileVersions,
  listProjectMembers,
} from "../../src/dataworks/snapshots.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { fakeDataWorksApi, resetCalls } from "../helpers/dataworks-api.js";
import { COMMITTER, FILE, PROJECT, seedCommit, V5, V7 } from "../helpers/dataworks-seeds.js";

const AK = "LTAI-snapshots";
const SECRET = "snapshots-secret-0123";
const T = { regionId: "cn-shanghai" };

describe("DataWorks snapshot, extension and member APIs (real SDK, fake gateway)", () => {
  let dw: FakeDataWorks;
  let api: DataWorksApi;

  beforeAll(async () => {
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await dw.start();
    api = fakeDataWorksApi(dw, AK, SECRET);
  });
  afterAll(() => dw.stop());
  beforeEach(() => {
    resetCalls(dw);
  });

  it("GetIDEEventDetail: a committed file with its code, change, committer and scheduling", async () => {
    seedCommit(dw, "msg-1");
    const d = await getEventDetail(api, T, "msg-1", String(PROJECT));
    expect(d.kind).toBe("file");
    if (d.kind !== "file") return;
    expect(d).toMatchObject({ fileId: FILE, fileType: 10, content: V7, changeType: "UPDATE", committer: COMMITTER });
    expect(d.currentVersion).toBe(7);
    expect(d.node).toMatchObject({
      cronExpress: "00 05 00 * * ?",
      rerunMode: "ALL_ALLOWED",
      inputs: ["sales_dw_root"],
    });
    const call = dw.callsOf("GetIDEEventDetail")[0]!;
    expect(call).toMatchObject({ version: "2020-05-18", location: "body" });
    expect(call.params).toMatchObject({ MessageId: "msg-1", ProjectId: String(PROJECT) });
  });

  it("GetIDEEventDetail: deleted file, run command, table model, and nothing filled", async () => {
    dw.seeds.setEventDetail(PROJECT, "del", {
      DeletedFile: { FileId: 9, FileName: "old", Content: "DROP VIEW v;", Owner: "u1" },
    });
    dw.seeds.setEventDetail(PROJECT, "run", {
      FileExecutionCommand: { FileId: 9, FileType: 10, Content: "SHOW TABLES;" },
    });
    dw.seeds.setEventDetail(PROJECT, "tbl", {
      TableModel: {
        TableName: "dim_user",
        Env: "PROD",
        LifeCycle: 30,
        Columns: [
          { ColumnName: "id", ColumnType: "BIGINT", Comment: "user id", IsPartitionColumn: false },
          { ColumnName: "ds", ColumnType: "STRING", IsPartitionColumn: true },
        ],
      },
    });
    dw.seeds.setEventDetail(PROJECT, "none", {});
    const p = String(PROJECT);
    expect(await getEventDetail(api, T, "del", p)).toMatchObject({
      kind: "file",
      deleted: true,
      changeType: "DELETE",
      content: "DROP VIEW v;",
      owner: "u1",
    });
    expect(await getEventDetail(api, T, "run", p)).toEqual({
      kind: "run",
      fileId: 9,
      fileType: 10,
      dataSourceName: undefined,
      content: "SHOW TABLES;",
    });
    const t = await getEventDetail(api, T, "tbl", p);
    expect(t).toMatchObject({ kind: "table", tableName: "dim_user", env: "PROD", lifeCycle: 30 });
    expect(t.kind === "table" && t.columns).toEqual([
      { name: "id", type: "BIGINT", comment: "user id", partition: false },
      { name: "ds", type: "STRING", comment: undefined, partition: true },
    ]);
    expect(await getEventDetail(api, T, "none", p)).toEqual({ kind: "empty" });
  });

  it("ListFileVersions and GetFileVersion: versions newest first, the production flag, one version's code", async () => {
    seedCommit(dw, "msg-2");
    const page = await listFileVersions(api, T, String(PROJECT), String(FILE));
    expect(page.totalCount).toBe(2);
    expect(page.versions.map((v) => [v.version, v.isCurrentProd])).toEqual([
      [6, false],
      [5, true],
    ]);
    const v5 = await getFileVersion(api, T, String(PROJECT), String(FILE), 5);
    expect(v5).toMatchObject({ version: 5, content: V5, isCurrentProd: true, status: "DEPLOYED" });
    expect(dw.callsOf("GetFileVersion")[0]!.params).toMatchObject({ FileVersion: "5", FileId: String(FILE) });
  });

  it("the fake refuses what the gateway refuses: a missing workspace, a page too large or too far, an unknown version", async () => {
    seedCommit(dw, "msg-3");
    await expect(
      api.call({ action: "ListFileVersions", version: "2020-05-18", params: { FileId: FILE }, location: "body" }),
    ).rejects.toMatchObject({ apiCode: "MissingProjectId", retryable: false });
    await expect(listFileVersions(api, T, String(PROJECT), String(FILE), 1, 101)).rejects.toMatchObject({
      apiCode: "InvalidParameter.PageSize",
    });
    await expect(listProjectMembers(api, T, String(PROJECT), 1, 50)).rejects.toMatchObject({
      apiCode: "InvalidParameter.PageSize",
    });
    await expect(listProjectMembers(api, T, String(PROJECT), 31, 20)).rejects.toMatchObject({
      apiCode: "InvalidParameter.PageNumber",
    });
    await expect(getFileVersion(api, T, String(PROJECT), String(FILE), 99)).rejects.toBeInstanceOf(DataWorksApiError);
    await expect(
      api.call({ action: "GetIDEEventDetail", version: "2020-05-18", params: { MessageId: "x" }, location: "body" }),
    ).rejects.toMatchObject({ apiCode: "MissingProjectId" });
  });

  it("GetExtension and ListEnabledExtensionsForProject: bound events, status, enabled codes", async () => {
    dw.seeds.extensions.set("ext-1", {
      ExtensionCode: "ext-1",
      ExtensionName: "chatops approvals",
      BindEventList: [
        { EventCode: "commit-file", EventName: "File submission pre-event" },
        { EventCode: "deploy-file", EventName: "File deployment pre-event" },
      ],
      Status: 0,
      ProjectTesting: PROJECT,
    });
    dw.seeds.enable(PROJECT, "commit-file", "other", "ext-1");
    const e = await getExtension(api, T, "ext-1");
    expect(e).toMatchObject({
      code: "ext-1",
      status: 0,
      boundEvents: ["commit-file", "deploy-file"],
      projectTesting: PROJECT,
    });
    expect(dw.callsOf("GetExtension")[0]!.location).toBe("query");
    expect(await listEnabledExtensions(api, T, String(PROJECT), "commit-file")).toEqual(["other", "ext-1"]);
    expect(await listEnabledExtensions(api, T, String(PROJECT), "deploy-file")).toEqual([]);
    await expect(getExtension(api, T, "nope")).rejects.toMatchObject({
      apiCode: "InvalidParameter.Extension.NotExists",
    });
  });

  it("ListProjectMembers: names by UID, paged", async () => {
    dw.seeds.members.set(PROJECT, [
      ...Array.from({ length: 21 }, (_, i) => ({ ProjectMemberId: `u${i}`, ProjectMemberName: `user ${i}` })),
      { ProjectMemberId: COMMITTER, ProjectMemberName: "王小明", Nick: "xiaoming" },
    ]);
    const p1 = await listProjectMembers(api, T, String(PROJECT));
    expect(p1.totalCount).toBe(22);
    expect(p1.members).toHaveLength(20);
    const p2 = await listProjectMembers(api, T, String(PROJECT), 2);
    expect(p2.members.at(-1)).toEqual({ uid: COMMITTER, name: "王小明", nick: "xiaoming" });
    expect(dw.callsOf("ListProjectMembers")[0]!.location).toBe("query");
  });

  it("throttling and slow answers surface as retryable DataWorksApiErrors", async () => {
    seedCommit(dw, "msg-4");
    dw.script.push({ action: "GetIDEEventDetail", answer: { throttle: true } });
    await expect(getEventDetail(api, T, "msg-4", String(PROJECT))).rejects.toMatchObject({
      throttled: true,
      retryable: true,
    });
    dw.script.push({ action: "GetIDEEventDetail", answer: { delayMs: 600 } });
    await expect(getEventDetail(api, { ...T, timeoutMs: 150 }, "msg-4", String(PROJECT))).rejects.toMatchObject({
      apiCode: "Timeout",
    });
  });
});
