import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import type { DwEvent } from "../../src/core/event.js";
import { parseEnvelopes } from "../../src/dataworks/envelope.js";
import { clientFromConfig } from "../../src/dataworks/openapi-client.js";
import { createEnricher, type Enrich, NAMES_UNAVAILABLE } from "../../src/enrich/enrich-event.js";
import { redisStore } from "../../src/enrich/lookup-cache.js";
import { createLogger } from "../../src/logger.js";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { fixture } from "../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait.js";

const AK = "LTAI-enrich";
const SECRET = "enrich-secret-abcdef";
const INSTANCE = 523536569736;
const NODE = 700001234003;
const WORKSPACE = 91234;
const BASELINE = 8801;
/** Downstream instances of INSTANCE in the fake's instance graph (ListDownstreamTaskInstances). */
const DOWNSTREAM = [
  "dwd_order_di",
  "dws_sales_1d",
  "ads_gmv_hourly",
  "dwd_refund_di",
  "dws_user_1d",
  "ads_kpi_daily",
  "dm_board",
];
/** Names only: what a failure's enrichment holds when the impact lookups add nothing. */
const NAMES = ["GetInstance", "GetInstanceLog", "GetNode", "GetProject", "ListProjectMembers"];
const IMPACT = ["GetBaseline", "GetTaskInstance", "ListDownstreamTaskInstances"];

function parse(raw: unknown): DwEvent {
  const r = parseEnvelopes(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.events[0]!;
}

function instanceEvent(patch: Record<string, unknown> = {}, dataPatch: Record<string, unknown> = {}): DwEvent {
  const raw = fixture("instance-status-changes");
  return parse({ ...raw, id: crypto.randomUUID(), ...patch, data: { ...(raw.data as object), ...dataPatch } });
}

describe("enrichment through the DataWorks read APIs (real SDK, fake gateway, real Redis)", () => {
  let dw: FakeDataWorks;
  let redis: Redis;
  let prefix: string;
  let enrich: Enrich;

  const build = (over: Record<string, unknown> = {}) => {
    const config = parseConfig(
      {
        dataworks: { endpoint: dw.endpoint, protocol: "http", accessKeyId: AK, accessKeySecret: SECRET },
        enrich: { timeout: 800, userNames: { "1933790000000001": "Alice 王" }, ...over },
      },
      {},
    );
    return createEnricher({
      api: clientFromConfig(config.dataworks),
      store: redisStore(redis),
      prefix,
      config: config.enrich,
      defaultRegion: "cn-hangzhou",
      logger: createLogger("silent"),
    });
  };

  beforeAll(async () => {
    dw = new FakeDataWorks({ keys: { [AK]: SECRET } });
    await dw.start();
    redis = new Redis(TEST_REDIS_URL);
    dw.nodes.set(NODE, {
      NodeId: NODE,
      NodeName: "ods_order_detail_di",
      OwnerId: "1933790000000001",
      ProjectId: WORKSPACE,
    });
    dw.projects.set(WORKSPACE, {
      ProjectId: WORKSPACE,
      ProjectName: "销售数仓 sales_dw",
      ProjectIdentifier: "sales_dw",
    });
    dw.instances.set(INSTANCE, {
      InstanceId: INSTANCE,
      NodeId: NODE,
      NodeName: "ods_order_detail_di",
      CycTime: 1750212600000,
      Bizdate: 1750089600000, // 2025-06-17 00:00 +08:00
      Status: "FAILURE",
      log: `INFO start\n${"INFO noise\n".repeat(5000)}FAILED: ODPS-0130071 column order_amt cannot be resolved\nINFO Current task status: ERROR`,
    });
    const task = (Id: number, TaskName: string, Status: string, BaselineId?: number) =>
      dw.impact.taskInstances.set(Id, { Id, TaskId: Id + 1, TaskName, Status, BaselineId, ProjectId: WORKSPACE });
    task(INSTANCE, "ods_order_detail_di", "Failure", BASELINE);
    for (const [i, name] of DOWNSTREAM.entries()) task(600_000 + i, name, "NotRun", i === 0 ? BASELINE : undefined);
    dw.impact.downstream.set(
      INSTANCE,
      DOWNSTREAM.map((_, i) => 600_000 + i),
    );
    dw.impact.baselines.set(BASELINE, {
      BaselineId: BASELINE,
      BaselineName: "早报 morning_report",
      Priority: 8,
      ProjectId: WORKSPACE,
    });
  });
  beforeEach(async () => {
    prefix = testPrefix();
    dw.calls.length = 0;
    dw.script.length = 0;
    enrich = build();
  });
  afterEach(async () => {
    await deleteKeys(prefix);
  });
  afterAll(async () => {
    redis?.disconnect();
    await dw?.stop();
  });

  it("fills node, owner, workspace, cycle time, biz date and the error lines of a failed instance", async () => {
    const out = await enrich(instanceEvent());
    expect(out).toEqual({
      nodeName: "ods_order_detail_di",
      ownerName: "Alice 王",
      ownerId: "1933790000000001",
      workspaceName: "销售数仓 sales_dw",
      cycleTime: 1750212600000,
      bizDate: "2025-06-17",
      errorLog: expect.stringContaining("FAILED: ODPS-0130071"),
      impact: expect.any(Object),
    });
    expect(String(out.errorLog).length).toBeLessThan(1500);
    expect(String(out.errorLog)).not.toContain("INFO noise\nINFO noise\nINFO noise");
    expect(dw.calls.map((c) => c.action).sort()).toEqual([...NAMES, ...IMPACT].sort());
    // The event's region picks the endpoint region; every read is PROD.
    expect(dw.callsOf("GetNode")[0]!.params).toEqual({ NodeId: String(NODE), ProjectEnv: "PROD" });
  });

  it("does not fetch the log, nor what it holds up, for a success", async () => {
    const out = await enrich(instanceEvent({}, { status: 6 }));
    expect(dw.callsOf("GetInstanceLog")).toHaveLength(0);
    expect(IMPACT.flatMap((a) => dw.callsOf(a))).toEqual([]);
    expect(out.impact).toBeUndefined();
  });

  it("a failure says what it holds up: downstream count, the nearest by name, the baseline at risk", async () => {
    const out = await enrich(instanceEvent());
    expect(out.impact).toEqual({
      waiting: 7,
      nearest: DOWNSTREAM.slice(0, 5),
      more: 2,
      baseline: { id: String(BASELINE), name: "早报 morning_report", priority: 8 },
    });
    expect(out.note).toBeUndefined();
    expect(dw.callsOf("ListDownstreamTaskInstances")[0]!.params).toEqual({
      Id: String(INSTANCE),
      PageSize: "10",
      PageNumber: "1",
    });
    expect(dw.callsOf("ListDownstreamTaskInstances")[0]!.version).toBe("2024-05-18");
    expect(dw.callsOf("GetBaseline")[0]!.params).toEqual({
      BaselineId: String(BASELINE),
      ProjectId: String(WORKSPACE),
    });
    // Cached: the next failure event of the same run asks DataWorks nothing.
    const again = await enrich(instanceEvent());
    expect(again.impact).toEqual(out.impact);
    expect(IMPACT.flatMap((a) => dw.callsOf(a))).toHaveLength(3);
  });

  it("a baseline in the event is used as it is; without a workspace id it is shown by id", async () => {
    const out = await enrich(instanceEvent({}, { baselineId: 4321, appId: null }));
    expect(out.impact).toMatchObject({ waiting: 7, baseline: { id: "4321" } });
    expect(dw.callsOf("GetTaskInstance")).toHaveLength(0);
    expect(dw.callsOf("GetBaseline")).toHaveLength(0);
  });

  it("the downstream API slower than the budget: the names go out on time, without impact and without a note", async () => {
    dw.script.push({ action: "ListDownstreamTaskInstances", answer: { delayMs: 1500 } });
    const enrichFast = build({ timeout: 300 });
    const t0 = Date.now();
    const out = await enrichFast(instanceEvent());
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(out).toMatchObject({ nodeName: "ods_order_detail_di", errorLog: expect.any(String) });
    expect(out.impact).toBeUndefined();
    expect(out.note).toBeUndefined();
    // The late answer fills the cache: the next event of the storm has it at once.
    await waitFor(
      async () => (await redis.keys(`${prefix}:enrich:*:impact:*`)).length === 1,
      "the late impact answer cached",
    );
    const next = await enrichFast(instanceEvent());
    expect(next.impact).toMatchObject({ waiting: 7 });
  });

  it("the downstream API failing: the message is what it was without impact (no field, no note)", async () => {
    const plain = await enrich(instanceEvent({}, { status: 6 }));
    dw.script.push({ action: "ListDownstreamTaskInstances", answer: { status: 500 } });
    const out = await enrich(instanceEvent());
    expect(out.impact).toBeUndefined();
    expect(out.note).toBeUndefined();
    expect(out).toMatchObject(plain);
    // The failure is remembered for ttl.failure: one call, not one per event of a storm.
    await enrich(instanceEvent());
    expect(dw.callsOf("ListDownstreamTaskInstances")).toHaveLength(1);
  });

  it("1,000 concurrent lookups of one failing node → one API call per id; then served from Redis", async () => {
    // A generous budget: this test is about coalescing, and a loaded CI machine must not turn it into a timeout test.
    const patient = build({ timeout: 15_000 });
    const t0 = Date.now();
    const outs = await Promise.all(Array.from({ length: 1000 }, () => patient(instanceEvent())));
    const ms = Date.now() - t0;
    expect(outs.every((o) => o.nodeName === "ods_order_detail_di" && o.workspaceName && o.errorLog)).toBe(true);
    const count = (a: string) => dw.callsOf(a).length;
    expect([...NAMES, ...IMPACT].map(count)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(outs.every((o) => (o.impact as { waiting?: number } | undefined)?.waiting === DOWNSTREAM.length)).toBe(true);
    // Another process (a second enricher on the same Redis) asks nothing.
    const other = build();
    await other(instanceEvent());
    expect(dw.calls).toHaveLength(8);
    console.log(`1000 concurrent enrichments: ${ms} ms, ${dw.calls.length} API calls`);
  });

  it("a slow API: the message gets ids and a note within the budget, and the late answer fills the cache", async () => {
    for (const action of ["GetNode", "GetProject", "GetInstance", "GetInstanceLog"])
      dw.script.push({ action, answer: { delayMs: 1500 } });
    const enrichFast = build({ timeout: 300 });
    const t0 = Date.now();
    const out = await enrichFast(instanceEvent());
    const ms = Date.now() - t0;
    // Well above the 300 ms budget for a loaded machine, well below the 1.5 s the API takes.
    expect(ms).toBeLessThan(1_000);
    // The names are late; what the failure holds up answered in time and is shown (it is not a name).
    expect(out).toEqual({ note: NAMES_UNAVAILABLE, impact: expect.objectContaining({ waiting: DOWNSTREAM.length }) });
    // The calls were not abandoned: once they answer, the next event of the storm gets names at once.
    await waitFor(
      async () => (await redis.keys(`${prefix}:enrich:*`)).length >= 4,
      "the late answers cached (node, workspace, instance, log)",
    );
    const t1 = Date.now();
    const next = await enrichFast(instanceEvent());
    // Below the 300 ms budget: served from the cache, not another wait for the API.
    expect(Date.now() - t1).toBeLessThan(250);
    expect(next).toMatchObject({ nodeName: "ods_order_detail_di", workspaceName: "销售数仓 sales_dw" });
    expect(dw.calls).toHaveLength(8);
  });

  it("a failing API: partial names + note, and the failure is not retried for ttl.failure", async () => {
    dw.script.push({ action: "GetProject", answer: { status: 500 } });
    const out = await enrich(instanceEvent());
    expect(out.nodeName).toBe("ods_order_detail_di");
    expect(out.workspaceName).toBeUndefined();
    expect(out.note).toBe(NAMES_UNAVAILABLE);
    const again = await enrich(instanceEvent());
    expect(again.note).toBe(NAMES_UNAVAILABLE);
    expect(dw.callsOf("GetProject")).toHaveLength(1);
  });

  it("unknown ids, no ids, or a wrong secret never throw", async () => {
    await expect(enrich(instanceEvent({}, { nodeId: 1, taskId: 2, appId: 3 }))).resolves.toMatchObject({
      note: NAMES_UNAVAILABLE,
    });
    await expect(enrich(instanceEvent({}, { nodeId: "x", taskId: null, appId: undefined }))).resolves.toEqual({});
    const config = parseConfig(
      { dataworks: { endpoint: dw.endpoint, protocol: "http", accessKeyId: AK, accessKeySecret: "nope" } },
      {},
    );
    const bad = createEnricher({
      api: clientFromConfig(config.dataworks),
      store: redisStore(redis),
      prefix,
      config: config.enrich,
      defaultRegion: "cn-hangzhou",
      logger: createLogger("silent"),
    });
    await expect(bad(instanceEvent())).resolves.toEqual({ note: NAMES_UNAVAILABLE });
  });

  it("resolves operators of other events from enrich.userNames without an API call", async () => {
    const ev = parse({ ...fixture("commit-file"), id: crypto.randomUUID() });
    const uid = String(ev.data.operator);
    const e = build({ userNames: { [uid]: "Bob 李" } });
    const out = await e(ev);
    expect(out.operatorName).toBe("Bob 李");
  });
});
