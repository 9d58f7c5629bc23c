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

  it("a workspace of more than 600 members: the first 30 pages are named, page 31 (which DataWorks refuses) never asked", async () => {
    const BIG = PROJECT + 1;
    dw.seeds.members.set(
      BIG,
      Array.from({ length: 650 }, (_, i) => ({ ProjectMemberId: `b${i}`, ProjectMemberName: `big ${i}` })),
    );
    expect(await memberName(deps, "cn-shanghai", String(BIG), "b599")).toBe("big 599");
    expect(await memberName(deps, "cn-shanghai", String(BIG), "b600")).toBeUndefined();
    const pages = dw.callsOf("ListProjectMembers").map((c) => Number(c.params.PageNumber));
    expect(pages).toHaveLength(30);
    expect(Math.max(...pages)).toBe(30);
  });

  it("DataWorks failing: no name (the id is shown), never a throw, and no second call while the failure is cached", async () => {
    dw.script.push({ action: "ListProjectMembers", answer: { status: 500 } });
    expect(await memberName(deps, "cn-shanghai", String(PROJECT), "u1")).toBeUndefined();
    expect(await memberName(deps, "cn-shanghai", String(PROJECT), "u2")).toBeUndefined();
    expect(dw.callsOf("ListProjectMembers")).toHaveLength(1);
    expect(await memberName(deps, "cn-shanghai", undefined, "u1")).toBeUndefined();
  });
});
