import { beforeEach, describe, expect, it } from "vitest";
import { type FactsResult, fetchFacts, type FetchDeps } from "../../src/approvals/snapshot/fetch.js";
import type { DwEvent } from "../../src/core/event.js";
import { parseEnvelopes } from "../../src/dataworks/envelope.js";
import { LookupCache, redisStore } from "../../src/enrich/lookup-cache.js";
import { fakeDataWorksApi } from "../helpers/dataworks-api.js";
import { dataWorksOnRedis } from "../helpers/dataworks-on-redis.js";
import { PROJECT, seedCommit, V5, V6 } from "../helpers/dataworks-seeds.js";
import { fixture } from "../helpers/fixtures.js";

const AK = "LTAI-facts";
const SECRET = "facts-secret-0123456";

function event(code: string, data: Record<string, unknown> = {}): DwEvent {
  const raw = fixture(code);
  const r = parseEnvelopes({
    ...raw,
    id: crypto.randomUUID(),
    data: { ...(raw.data as object), projectId: PROJECT, ...data },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.events[0]!;
}

const ok = (r: FactsResult) => {
  if (r.status !== "ok") throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.facts;
};

describe("approval facts: snapshot and diff through the cache (real SDK, fake DataWorks, real Redis)", () => {
  const { dw, redis, prefix } = dataWorksOnRedis(AK, SECRET);
  let deps: FetchDeps;

  beforeEach(async () => {
    dw.seeds.listOmitsContent = false;
    const api = fakeDataWorksApi(dw, AK, SECRET, 5000);
    deps = {
      api,
      cache: new LookupCache(redisStore(redis), prefix()),
      defaultRegion: "cn-hangzhou",
      budgetMs: 3000,
      failureTtlMs: 30_000,
    };
  });

  it("commit-file: the diff against the previous version, +N −M, from the list's code", async () => {
    const e = event("commit-file");
    seedCommit(dw, e.id);
    const f = ok(await fetchFacts(deps, e));
    expect(f.kind).toBe("file");
    if (f.kind !== "file") return;
    expect(f.base).toEqual({ version: 6, source: "previous" });
    expect(f.baseContent).toBe(V6);
    expect(f.diff).toMatchObject({ added: 2, removed: 1, summary: "+2 \u22121", truncated: false });
    expect(f.diff.excerpt).toContain("+  AND amount > 0;");
    expect(f.file).toMatchObject({ fileName: "ods_order_detail_di", comment: "filter out refunds" });
    // Version 6 ran at 02:30; this commit moves it to 00:05.
    expect(f.schedule).toEqual([{ setting: "cronExpress", before: "00 30 02 * * ?", after: "00 05 00 * * ?" }]);
    expect(dw.calls.map((c) => c.action)).toEqual(["GetIDEEventDetail", "ListFileVersions"]);
  });

  it("deploy-file: the diff against the version in production, its code through GetFileVersion when the list has none", async () => {
    const e = event("deploy-file");
    seedCommit(dw, e.id);
    dw.seeds.listOmitsContent = true;
    const f = ok(await fetchFacts(deps, e));
    if (f.kind !== "file") throw new Error(f.kind);
    expect(f.base).toEqual({ version: 5, source: "production" });
    expect(f.baseContent).toBe(V5);
    expect(f.diff.summary).toBe("+3 \u22122");
    expect(dw.callsOf("GetFileVersion")[0]!.params).toMatchObject({ FileVersion: "5" });
    expect(f.schedule).toEqual([]); // production (version 5) already runs at 00:05
  });

  it("a first deployment (nothing in production) and a CREATE show the new file's first lines", async () => {
    const e = event("deploy-file");
    seedCommit(dw, e.id);
    dw.seeds.setVersions(PROJECT, 500001830, [
      { ...dw.seeds.fileVersions.get(`${PROJECT}:500001830`)![1]!, IsCurrentProd: false },
    ]);
    const f = ok(await fetchFacts(deps, e));
    if (f.kind !== "file") throw new Error(f.kind);
    expect(f.base).toEqual({ source: "none" });
    expect(f.diff.removed).toBe(0);
    expect(f.diff.excerpt[0]).toMatch(/^@@ -0,0 \+1,4 @@$/);

    const c = event("commit-file");
    seedCommit(dw, c.id, "SELECT 1;\n", "CREATE");
    const created = ok(await fetchFacts(deps, c));
    expect(created.kind === "file" && created.diff.excerpt).toEqual(["@@ -0,0 +1,1 @@", "+SELECT 1;"]);
    expect(dw.callsOf("ListFileVersions")).toHaveLength(1);
  });

  it("delete-file shows what goes away; run-file the code to run; tables their columns", async () => {
    const del = event("delete-file");
    dw.seeds.setEventDetail(PROJECT, del.id, {
      DeletedFile: { FileId: 1, FileName: "old_job", Content: "INSERT OVERWRITE TABLE t\nSELECT 1;\n" },
    });
    const d = ok(await fetchFacts(deps, del));
    expect(d.kind === "file" && d.diff).toMatchObject({ added: 0, removed: 2, summary: "+0 \u22122" });
    const run = event("run-file");
    dw.seeds.setEventDetail(PROJECT, run.id, { FileExecutionCommand: { FileId: 1, Content: "DROP TABLE x;" } });
    expect(ok(await fetchFacts(deps, run))).toMatchObject({ kind: "run", run: { content: "DROP TABLE x;" } });
    const tbl = event("commit-table");
    dw.seeds.setEventDetail(PROJECT, tbl.id, {
      TableModel: {
        TableName: "dim_user",
        Env: "DEV",
        LifeCycle: 7,
        Columns: [{ ColumnName: "id", ColumnType: "BIGINT" }],
      },
    });
    expect(ok(await fetchFacts(deps, tbl))).toMatchObject({
      kind: "table",
      table: { tableName: "dim_user", lifeCycle: 7, columns: [{ name: "id" }] },
    });
  });

  it("a huge file: the whole diff is counted, the excerpt fits the budget", async () => {
    const e = event("commit-file");
    const huge = Array.from({ length: 20_000 }, (_, i) => `SELECT ${i} AS c${i} FROM dual;`).join("\n");
    seedCommit(dw, e.id, `${V6}${huge}\n`);
    deps.diffBudget = { maxBytes: 1000, maxLines: 30 };
    const f = ok(await fetchFacts(deps, e));
    if (f.kind !== "file") throw new Error(f.kind);
    expect(f.diff.added).toBe(20_000);
    expect(f.diff.truncated).toBe(true);
    expect(f.diff.excerpt.length).toBeLessThanOrEqual(30);
    expect(f.diff.excerpt.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0)).toBeLessThanOrEqual(1000);
  });

  it("cached: the same event again makes no API call", async () => {
    const e = event("commit-file");
    seedCommit(dw, e.id);
    ok(await fetchFacts(deps, e));
    const n = dw.calls.length;
    const again = ok(await fetchFacts(deps, e));
    expect(again.kind === "file" && again.diff.summary).toBe("+2 \u22121");
    expect(dw.calls.length).toBe(n);
  });

  it("slow: past the budget the answer is 'late', and the final facts follow", async () => {
    const e = event("commit-file");
    seedCommit(dw, e.id);
    dw.script.push({ action: "GetIDEEventDetail", answer: { delayMs: 700 } });
    deps.budgetMs = 150;
    const t0 = Date.now();
    const r = await fetchFacts(deps, e);
    expect(Date.now() - t0).toBeLessThan(650);
    expect(r.status).toBe("late");
    if (r.status !== "late") return;
    const final = await r.final;
    expect(final.status).toBe("ok");
  });

  it("failing: 'unavailable' with the reason, never a throw; the failure is remembered so a storm stays cheap", async () => {
    const e = event("commit-file");
    seedCommit(dw, e.id);
    dw.script.push({ action: "GetIDEEventDetail", answer: { status: 503, code: "ServiceUnavailable" } });
    const r = await fetchFacts(deps, e);
    expect(r).toMatchObject({ status: "unavailable" });
    expect(r.status === "unavailable" && r.why).toMatch(/GetIDEEventDetail failed: HTTP 503 ServiceUnavailable/);
    expect(r.status === "unavailable" && r.why).not.toContain(SECRET);
    const n = dw.calls.length;
    expect(await fetchFacts(deps, e)).toMatchObject({
      status: "unavailable",
      why: expect.stringMatching(/failed moments ago/),
    });
    expect(dw.calls.length).toBe(n);
    dw.script.push({ action: "GetIDEEventDetail", answer: { throttle: true } });
    expect(await fetchFacts(deps, event("commit-file"))).toMatchObject({
      status: "unavailable",
      why: expect.stringMatching(/Throttling/),
    });
  });

  it("events without a snapshot API, or without a workspace, are 'unavailable' without calling DataWorks", async () => {
    expect(await fetchFacts(deps, event("backfill-data"))).toMatchObject({
      status: "unavailable",
      why: expect.stringMatching(/no snapshot of backfill-data/),
    });
    expect(await fetchFacts(deps, event("commit-file", { projectId: undefined }))).toMatchObject({
      status: "unavailable",
      why: expect.stringMatching(/projectId/),
    });
    expect(dw.calls).toHaveLength(0);
  });
});
