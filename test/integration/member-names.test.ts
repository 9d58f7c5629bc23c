import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type MemberNamesDeps, memberName } from "../../src/dataworks/member-names.js";
import { LookupCache, redisStore } from "../../src/enrich/lookup-cache.js";
import { fakeDataWorksApi } from "../helpers/dataworks-api.js";
import { dataWorksOnRedis } from "../helpers/dataworks-on-redis.js";
import { COMMITTER, PROJECT } from "../helpers/dataworks-seeds.js";

const AK = "LTAI-members";
const SECRET = "members-secret-01234";

describe("member names from ListProjectMembers, cached (fake DataWorks, real Redis)", () => {
  const { dw, redis, prefix } = dataWorksOnRedis(AK, SECRET);
  let deps: MemberNamesDeps;

  beforeAll(async () => {
    dw.seeds.members.set(PROJECT, [
      ...Array.from({ length: 45 }, (_, i) => ({ ProjectMemberId: `u${i}`, ProjectMemberName: `user ${i}` })),
      { ProjectMemberId: COMMITTER, ProjectMemberName: "", Nick: "xiaoming" },
      { ProjectMemberId: "2001", ProjectMemberName: "王小红" },
    ]);
  });
  beforeEach(async () => {
    const api = fakeDataWorksApi(dw, AK, SECRET);
    deps = {
      api,
      cache: new LookupCache(redisStore(redis), prefix()),
      ttlMs: 60_000,
      failureTtlMs: 30_000,
      configured: { "2001": "Xiaohong (ops)" },
    };
  });

  it("reads every page once, then answers from the cache; the nick when there is no name; configured names win", async () => {
    expect(await memberName(deps, "cn-shanghai", String(PROJECT), "u44")).toBe("user 44");
    expect(dw.callsOf("ListProjectMembers").map((c) => c.params.PageNumber)).toEqual(["1", "2", "3"]);
    expect(await memberName(deps, "cn-shanghai", String(PROJECT), COMMITTER)).toBe("xiaoming");
    expect(await memberName(deps, "cn-shanghai", String(PROJECT), "2001")).toBe("Xiaohong (ops)");
    expect(await memberName(deps, "cn-shanghai", String(PROJECT), "999")).toBeUndefined();
    expect(dw.callsOf("ListProjectMembers")).toHaveLength(3);
  });

  it("DataWorks failing: no name (the id is shown), never a throw, and no second call while the failure is cached", async () => {
    dw.script.push({ action: "ListProjectMembers", answer: { status: 500 } });
    expect(await memberName(deps, "cn-shanghai", String(PROJECT), "u1")).toBeUndefined();
    expect(await memberName(deps, "cn-shanghai", String(PROJECT), "u2")).toBeUndefined();
    expect(dw.callsOf("ListProjectMembers")).toHaveLength(1);
    expect(await memberName(deps, "cn-shanghai", undefined, "u1")).toBeUndefined();
  });
});
