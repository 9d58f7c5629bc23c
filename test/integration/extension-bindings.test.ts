import { beforeEach, describe, expect, it } from "vitest";
import type { DwEvent } from "../../src/core/event.js";
import { parseEnvelopes } from "../../src/dataworks/envelope.js";
import { disabledIn, ExtensionBindings } from "../../src/dataworks/extension-bindings.js";
import type { ExtensionSeed } from "../fakes/dataworks-snapshot-api.js";
import { fakeDataWorksApi, publishedExtension } from "../helpers/dataworks-api.js";
import { dataWorksOnRedis } from "../helpers/dataworks-on-redis.js";
import { PROJECT } from "../helpers/dataworks-seeds.js";
import { fixture } from "../helpers/fixtures.js";
import { deleteKeys } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait.js";

const AK = "LTAI-bindings";
const SECRET = "bindings-secret-0123";
const CODE = "ext-chatops";

function event(code: string, projectId: unknown = PROJECT): DwEvent {
  const raw = fixture(code);
  const r = parseEnvelopes({ ...raw, id: crypto.randomUUID(), data: { ...(raw.data as object), projectId } });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.events[0]!;
}

const published = (over: Partial<ExtensionSeed> = {}) => publishedExtension(CODE, over);

describe("extension bindings: only the checks DataWorks waits on us for (fake DataWorks, real Redis)", () => {
  const { dw, redis, prefix } = dataWorksOnRedis(AK, SECRET);
  let clock: number;
  let stale: string[];
  let bindings: ExtensionBindings;
  const build = (extensionCode: string | undefined = CODE) =>
    new ExtensionBindings({
      api: fakeDataWorksApi(dw, AK, SECRET),
      redis,
      prefix: prefix(),
      extensionCode,
      refreshMs: 300_000,
      defaultRegion: "cn-hangzhou",
      now: () => clock,
      onStale: (what) => stale.push(what),
    });

  beforeEach(async () => {
    clock = 1_000_000;
    stale = [];
    dw.seeds.extensions.clear();
    dw.seeds.enabled.clear();
    dw.seeds.extensions.set(CODE, published());
    dw.seeds.enable(PROJECT, "commit-file", "someone-else", CODE);
    bindings = build();
  });

  it("bound and enabled: ours", async () => {
    expect(await bindings.isOurs(event("commit-file"))).toEqual({ ours: true });
    expect(dw.callsOf("ListEnabledExtensionsForProject")[0]!.params).toMatchObject({
      ProjectId: String(PROJECT),
      EventCode: "commit-file",
    });
  });

  it("not bound, or bound but not enabled in the workspace: not ours, with why", async () => {
    expect(await bindings.isOurs(event("run-file"))).toEqual({
      ours: false,
      reason: "notBound",
      extension: CODE,
      detail: "commit-file, deploy-file",
      why: `extension ${CODE} is not bound to run-file (bound: commit-file, deploy-file)`,
    });
    expect(await bindings.isOurs(event("deploy-file"))).toEqual({
      ours: false,
      reason: "notEnabled",
      extension: CODE,
      workspace: String(PROJECT),
      why: `extension ${CODE} is not enabled for deploy-file in workspace ${PROJECT}`,
    });
    expect(await bindings.isOurs(event("commit-file", 777))).toMatchObject({
      ours: false,
      why: expect.stringMatching(/workspace 777/),
    });
  });

  it("Disabled, Testing (only its test workspace) and parameter-disabled workspaces", async () => {
    dw.seeds.extensions.set(CODE, published({ Status: 3 }));
    expect(await build().isOurs(event("commit-file"))).toMatchObject({
      ours: false,
      why: expect.stringMatching(/disabled in DataWorks/),
    });
    await deleteKeys(prefix());
    dw.seeds.extensions.set(CODE, published({ Status: 0, ProjectTesting: 555 }));
    expect(await build().isOurs(event("commit-file"))).toMatchObject({
      ours: false,
      why: expect.stringMatching(/Testing.*workspace 555/),
    });
    expect(await build().isOurs(event("commit-file", 555))).toEqual({ ours: true });
    await deleteKeys(prefix());
    dw.seeds.extensions.set(
      CODE,
      published({
        ParameterSetting: `extension.project.commit-file.disabled=1\nextension.project.commit-file.disabled.append=${PROJECT}`,
      }),
    );
    expect(await build().isOurs(event("commit-file"))).toMatchObject({
      ours: false,
      why: expect.stringMatching(/by its parameters/),
    });
  });

  it("no extension code configured: not ours", async () => {
    expect(await build("").isOurs(event("commit-file"))).toMatchObject({
      ours: false,
      why: expect.stringMatching(/extensionCode is not set/),
    });
    expect(dw.calls).toHaveLength(0);
  });

  it("answers are kept in Redis: shared by another instance, read again only after the refresh interval", async () => {
    await bindings.isOurs(event("commit-file"));
    const n = dw.calls.length;
    expect(await build().isOurs(event("commit-file"))).toEqual({ ours: true });
    expect(dw.calls.length).toBe(n);
    clock += 301_000;
    dw.seeds.enable(PROJECT, "commit-file"); // disabled in DataWorks meanwhile
    // The stale answer is used once while the refresh runs; the next event sees the new one.
    expect(await bindings.isOurs(event("commit-file"))).toEqual({ ours: true });
    await waitFor(async () => (await bindings.isOurs(event("commit-file"))).ours === false, "the refreshed answer");
    expect(dw.callsOf("GetExtension").length).toBe(2);
  });

  it("DataWorks down: the last good answer stays in use; never read at all: ours, unverified", async () => {
    await bindings.isOurs(event("commit-file"));
    clock += 301_000;
    for (let i = 0; i < 4; i++) dw.script.push({ answer: { status: 503, code: "ServiceUnavailable" } });
    expect(await bindings.isOurs(event("commit-file"))).toEqual({ ours: true });
    await waitFor(() => stale.length >= 1, "the failed refresh to be reported");
    expect(await bindings.isOurs(event("commit-file"))).toEqual({ ours: true });

    await deleteKeys(prefix());
    dw.script.length = 0;
    dw.script.push({ action: "GetExtension", answer: { throttle: true } });
    expect(await build().isOurs(event("commit-file"))).toMatchObject({
      ours: true,
      unverified: expect.stringMatching(/Throttling/),
    });
  });

  it("an outage is not asked about by every event: the failed read backs off, shared by every instance", async () => {
    await bindings.isOurs(event("commit-file"));
    clock += 301_000;
    dw.script.push({ action: "GetExtension", answer: { status: 503, code: "ServiceUnavailable" } });
    expect(await bindings.isOurs(event("commit-file"))).toEqual({ ours: true });
    await waitFor(() => stale.length >= 1, "the failed refresh");
    const asked = dw.callsOf("GetExtension").length;
    for (let i = 0; i < 5; i++) expect(await build().isOurs(event("commit-file"))).toEqual({ ours: true });
    expect(dw.callsOf("GetExtension").length, "no instance asks again during the backoff").toBe(asked);
    clock += 15_001; // past the first backoff: asked again (DataWorks answers now)
    await build().isOurs(event("commit-file"));
    await waitFor(() => dw.callsOf("GetExtension").length === asked + 1, "one more read after the backoff");

    // Never read and DataWorks down: one event waits for the failure, the next ones count as unverified at once.
    await deleteKeys(prefix());
    dw.calls.length = 0;
    for (let i = 0; i < 3; i++)
      dw.script.push({ action: "GetExtension", answer: { status: 503, code: "ServiceUnavailable" } });
    expect(await build().isOurs(event("commit-file"))).toMatchObject({ ours: true, unverified: expect.any(String) });
    expect(await build().isOurs(event("commit-file"))).toMatchObject({
      ours: true,
      unverified: expect.stringMatching(/asked again after/),
    });
    expect(dw.callsOf("GetExtension")).toHaveLength(1);
  });
});

describe("disabledIn (extension parameters)", () => {
  it("reads project lists, per-event lists and appends; the last plain key wins", () => {
    const p =
      "extension.project.disabled=1, 2\nextension.project.disabled.append=3\nextension.project.commit-file.disabled=9\nother=x";
    expect([...disabledIn(p, "commit-file")].sort()).toEqual(["1", "2", "3", "9"]);
    expect([...disabledIn(p, "deploy-file")].sort()).toEqual(["1", "2", "3"]);
    expect([...disabledIn("extension.project.disabled=1\nextension.project.disabled=4", "x")]).toEqual(["4"]);
    expect(disabledIn(undefined, "x").size).toBe(0);
  });
});
