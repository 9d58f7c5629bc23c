import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";
import { createIncidentTracker, failureKey, failureMessageOf } from "../../../src/incidents/track.js";
import { IncidentStore } from "../../../src/incidents/store.js";
import { MessageRefs } from "../../../src/state/message-refs.js";
import { instanceEvent } from "../../helpers/fixtures.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "../../helpers/redis.js";
import { monitorRedis } from "../../helpers/redis-monitor.js";
import { waitFor } from "../../helpers/wait.js";

const inst = (status: number, nodeId?: number, taskId = 9) => instanceEvent({ status, nodeId, taskId });
const DESTINATIONS = {
  ops: { platform: "slack", channel: "C1" },
  dw: { platform: "slack", channel: "C2" },
  lark: { platform: "slack", channel: "C3" },
};

/**
 * How many script calls `seen` (commands in order) holds, failing on any other command: EVAL on a connection's
 * first use, EVALSHA after; an EVAL right after an EVALSHA is that call sent again (the server had lost the script).
 */
function scriptCalls(seen: string[]): number {
  expect(seen.every((c) => c === "eval" || c === "evalsha")).toBe(true);
  return seen.filter((c, i) => c === "evalsha" || seen[i - 1] !== "evalsha").length;
}

describe("incident tracker: a typed verdict, and where an update goes (real Redis)", () => {
  let redis: Redis;
  const prefixes: string[] = [];
  const setup = (notifications: Record<string, unknown> = {}) => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const config = parseConfig({ slack: { token: "xoxb-test" }, notifications, destinations: DESTINATIONS }, {});
    const refs = new MessageRefs(redis, prefix);
    return { prefix, refs, step: createIncidentTracker(redis, prefix, config, refs) };
  };
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    for (const p of prefixes.splice(0)) await deleteKeys(p);
  });
  afterAll(() => redis.disconnect());

  it("a failure is remembered; the node's next success, and only that one, is its recovery", async () => {
    const { step, prefix } = setup();
    const at = { nodeId: "42", instanceId: "7001", message: "node.42" };
    expect(await step.track(inst(5, 42, 7001))).toEqual({ kind: "failure", ...at });
    expect(await redis.get(failureKey(prefix, "42"))).toBe("7001");
    expect(await step.track(inst(6, 43))).toEqual({ kind: "none" });
    // Another instance of the node running is not the failed one's story.
    expect(await step.track(inst(4, 42))).toEqual({ kind: "none" });
    expect(await step.track(inst(6, 42))).toEqual({ kind: "recovery", ...at });
    expect(await step.track(inst(6, 42))).toEqual({ kind: "none" });
    expect(await redis.exists(failureKey(prefix, "42"))).toBe(0);
  });

  it("two workers racing with the same success: exactly one recovery", async () => {
    const { step } = setup();
    await step.track(inst(5, 50));
    const kinds = (await Promise.all([step.track(inst(6, 50)), step.track(inst(6, 50))])).map((v) => v.kind);
    expect(kinds.sort()).toEqual(["none", "recovery"]);
  });

  it("nothing to follow without a node, with instance events off, or (for successes) with recoveries off", async () => {
    expect(await setup().step.track(inst(5))).toEqual({ kind: "none" });
    const off = setup({ events: { "instance-status-changes": false } }).step;
    expect(await off.track(inst(5, 1))).toEqual({ kind: "none" });
    const { step, prefix } = setup({ recoveries: false });
    expect((await step.track(inst(5, 2, 21))).kind).toBe("failure");
    expect(await step.track(inst(6, 2))).toEqual({ kind: "none" });
    expect(await redis.exists(failureKey(prefix, "2"))).toBe(1);
  });

  it("follow: a failure's messages are marked on their way and saved under the node's name", async () => {
    const { step, refs } = setup();
    const verdict = await step.track(inst(5, 60));
    const routed = new Map([["ops", ["failures"]]]);
    expect(await step.follow(verdict, routed)).toEqual({ saveAs: "node.60" });
    expect([...routed.keys()]).toEqual(["ops"]);
    expect(await refs.awaiting("ops", "node.60")).toBe(true);
    expect(await refs.awaiting("dw", "node.60")).toBe(false);
  });

  it("follow: a recovery also goes where the failure's message is (sent or on its way), not elsewhere", async () => {
    const { step, refs } = setup();
    await step.track(inst(5, 61, 6101));
    await refs.saveKeyed("dw", "node.61", { adapter: "slack", destination: "dw", ids: { ts: "1" } });
    await refs.markPending([{ destination: "lark", name: "node.61" }]);
    const verdict = await step.track(inst(6, 61));
    const routed = new Map<string, string[]>([["ops", ["all"]]]);
    expect(await step.follow(verdict, routed)).toEqual({ replaces: "node.61", follows: "6101" });
    expect(Object.fromEntries(routed)).toEqual({ ops: ["all"], dw: [], lark: [] });
  });

  it("follow: any other event goes by its routes alone and carries nothing", async () => {
    const { step, refs } = setup();
    await refs.saveKeyed("dw", "node.62", { adapter: "slack", destination: "dw", ids: { ts: "1" } });
    const routed = new Map<string, string[]>([["ops", ["all"]]]);
    expect(await step.follow(await step.track(inst(4, 62)), routed)).toEqual({});
    expect([...routed.keys()]).toEqual(["ops"]);
    expect(await refs.awaiting("ops", "node.62")).toBe(false);
  });

  it("the failed instance's own statuses follow it: running updates (never posts), failed again updates, then its recovery", async () => {
    const { step, refs, prefix } = setup();
    const at = { nodeId: "70", instanceId: "7070", message: "node.70" };
    const ev = (status: number, modifyTime: number) => {
      const e = inst(status, 70, 7070);
      return { ...e, data: { ...e.data, modifyTime } };
    };
    await step.track(ev(5, 1000));
    await refs.saveKeyed("dw", "node.70", { adapter: "slack", destination: "dw", ids: { ts: "1" } });
    const running = await step.track(ev(4, 2000));
    expect(running).toEqual({ kind: "progress", ...at });
    // Routed to ops (a route that shows running instances) and dw: only dw holds the message, so only dw is updated.
    const routed = new Map<string, string[]>([["ops", ["all"]]]);
    expect(await step.follow(running, routed)).toEqual({ replaces: "node.70", follows: "7070", updateOnly: true });
    expect(Object.fromEntries(routed)).toEqual({ dw: [] });
    // The first failure told again (another event id, its old times) is not a second failure of the rerun.
    expect((await step.track(ev(5, 1000))).kind).toBe("failure");
    const again = await step.track(ev(5, 3000));
    expect(again).toEqual({ kind: "failedAgain", ...at });
    expect(await step.follow(again, new Map())).toEqual({ replaces: "node.70", follows: "7070" });
    // Still remembered: the rerun after that, and its success, follow it too.
    expect(await redis.get(failureKey(prefix, "70"))).toBe("7070");
    expect((await step.track(ev(4, 4000))).kind).toBe("progress");
    expect(await step.track(ev(6, 5000))).toEqual({ kind: "recovery", ...at });
    expect(await step.track(ev(4, 6000))).toEqual({ kind: "none" });
  });

  it("latest: the newest status event of a followed instance, whatever order the events are tracked in", async () => {
    const { step } = setup();
    const ev = (status: number, modifyTime: number) => ({
      ...inst(status, 80, 8080),
      data: { ...inst(status, 80, 8080).data, modifyTime },
    });
    await step.track(ev(5, 1000));
    const running = ev(4, 2000);
    const succeeded = ev(6, 3000);
    await step.track(running);
    expect(await step.latest("8080")).toBe(running.id);
    await step.track(succeeded);
    expect(await step.latest("8080")).toBe(succeeded.id);
    // A late running event (older than the success) does not make the message go back.
    await step.track(ev(5, 1500));
    await step.track(ev(4, 2500));
    expect(await step.latest("8080")).toBe(succeeded.id);
  });

  it("opens the failed instance's incident; the running and the recovery go on its timeline, once per event", async () => {
    const { prefix, refs } = setup();
    const config = parseConfig({ slack: { token: "xoxb-test" }, destinations: DESTINATIONS }, {});
    const incidents = new IncidentStore(redis, prefix);
    const step = createIncidentTracker(redis, prefix, config, refs, incidents);
    const ev = (status: number, taskId: number, modifyTime: number) => {
      const e = inst(status, 90, taskId);
      return { ...e, data: { ...e.data, modifyTime } };
    };
    // The failure opens the incident (at its own time); tracking adds the statuses after it.
    await step.track(ev(5, 9090, 1000));
    const running = ev(4, 9090, 2000);
    await step.track(running);
    await step.track(running);
    // The next cycle (another instance) recovers the node: the failed instance's story ends recovered.
    await step.track(ev(6, 9191, 3000));
    const incident = await incidents.get("9090");
    expect(incident?.timeline.map((e) => [e.kind, e.at])).toEqual([
      ["failed", 1000],
      ["running", 2000],
      ["succeeded", 3000],
    ]);
    expect(incident?.state).toBe("recovered");
  });

  it("a failure's memory, incident and newest status are written together: one call, nothing half done", async () => {
    const { prefix, refs } = setup();
    const config = parseConfig({ slack: { token: "xoxb-test" }, destinations: DESTINATIONS }, {});
    const incidents = new IncidentStore(redis, prefix);
    const step = createIncidentTracker(redis, prefix, config, refs, incidents);
    const failed = { ...inst(5, 91, 9292), data: { ...inst(5, 91, 9292).data, modifyTime: 1000, appId: 5 } };
    const [verdict, seen] = await commandsSent(redis, prefix, () => step.track(failed));
    expect(verdict.kind).toBe("failure");
    // One script call, and nothing else.
    expect(scriptCalls(seen)).toBe(1);
    expect(await redis.get(failureKey(prefix, "91"))).toBe("9292");
    expect(await step.latest("9292")).toBe(failed.id);
    expect(await incidents.get("9292")).toMatchObject({ nodeId: "91", projectId: "5", state: "open" });
    // Its rerun running: the memory checked, the timeline entry and the newest status in one call too.
    const running = { ...failed, id: "running", data: { ...failed.data, status: 4, modifyTime: 1500 } };
    const [progress, seen2] = await commandsSent(redis, prefix, () => step.track(running));
    expect(progress.kind).toBe("progress");
    expect(scriptCalls(seen2)).toBe(1);
    expect(await step.latest("9292")).toBe("running");
    expect(await incidents.get("9292")).toMatchObject({ state: "running" });
    // Failed again later (its rerun failed): the same call tells it apart.
    const again = { ...failed, id: "again", data: { ...failed.data, modifyTime: 2000 } };
    expect((await step.track(again)).kind).toBe("failedAgain");
    expect((await incidents.get("9292"))?.timeline.map((e) => e.kind)).toEqual(["failed", "running", "failed"]);
  });

  it("names a node's failure message for instance events of a node only", () => {
    expect(failureMessageOf(inst(6, 42))).toBe("node.42");
    expect(failureMessageOf(inst(6))).toBeUndefined();
    expect(failureMessageOf({ ...inst(6, 42), type: "dataworks:NodeChange:NodeChangeUpdated", eventCode: "x" })).toBe(
      undefined,
    );
  });
});

/**
 * The commands `run` sent on keys under `prefix`, as MONITOR saw them (not those run inside scripts). An EXISTS on a
 * mark key after `run` bounds the capture: MONITOR reports in order, so once it is seen, so is all that came before.
 */
async function commandsSent<T>(redis: Redis, prefix: string, run: () => Promise<T>): Promise<[T, string[]]> {
  const seen: string[] = [];
  const monitor = await monitorRedis(TEST_REDIS_URL);
  monitor.on("monitor", (_t: string, args: string[], source: string) => {
    if (source !== "lua" && args.some((a) => a.includes(prefix))) seen.push(String(args[0]).toLowerCase());
  });
  const result = await run();
  await redis.exists(`${prefix}:mark`);
  await waitFor(() => seen.includes("exists"), "MONITOR to report the mark", 5_000, 10).finally(() =>
    monitor.disconnect(),
  );
  return [result, seen.slice(0, seen.lastIndexOf("exists"))];
}
