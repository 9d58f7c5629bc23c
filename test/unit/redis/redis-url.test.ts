import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.js";
import { keyPrefix, parseRedisUrl } from "../../../src/redis/redis-url.js";

describe("redis.url forms", () => {
  it("redis:// and rediss:// are one server (or a proxy), passed to ioredis as they are", () => {
    expect(parseRedisUrl("redis://:pw@10.0.0.5:6379/2")).toEqual({
      mode: "standalone",
      url: "redis://:pw@10.0.0.5:6379/2",
    });
    expect(parseRedisUrl("rediss://r-bp1.redis.rds.aliyuncs.com:6380").mode).toBe("standalone");
  });

  it("redis+sentinel:// names the Sentinels, the master, the db, and the passwords", () => {
    expect(
      parseRedisUrl("redis+sentinel://app:s%40cret@10.0.0.1:26379,10.0.0.2,[::1]:26380/mymaster/3?sentinelPassword=sp"),
    ).toEqual({
      mode: "sentinel",
      options: {
        username: "app",
        password: "s@cret",
        name: "mymaster",
        db: 3,
        sentinels: [
          { host: "10.0.0.1", port: 26379 },
          { host: "10.0.0.2", port: 26379 },
          { host: "::1", port: 26380 },
        ],
        sentinelPassword: "sp",
      },
    });
  });

  it("redis+cluster:// lists where discovery starts", () => {
    expect(parseRedisUrl("redis+cluster://:pw@10.0.0.1:7000,10.0.0.2:7001")).toEqual({
      mode: "cluster",
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "10.0.0.2", port: 7001 },
      ],
      options: { password: "pw" },
    });
  });

  it("refuses what it cannot use, saying how to write it and never echoing a password", () => {
    const problems = (url: string) => {
      try {
        parseConfig({ redis: { url } }, {});
        return "";
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(problems("sentinel://h:26379/m")).toMatch(/redis\.url: unknown scheme "sentinel:"; use redis:\/\//);
    expect(problems("redis+sentinel://h:26379")).toMatch(/redis\.url: redis\+sentinel:\/\/ needs the master's name/);
    expect(problems("redis+cluster://h:7000/1")).toMatch(/redis\.url: redis\+cluster:\/\/ takes no path/);
    const bad = problems("redis+cluster://u:p/ss@h:7000");
    expect(bad).toMatch(/redis\.url/);
    expect(bad).not.toContain("ss@h");
    expect(problems("redis+cluster://h:7000,h2:7001")).toBe("");
  });
});

describe("the key prefix", () => {
  const cluster = parseRedisUrl("redis+cluster://h:7000");
  const single = parseRedisUrl("redis://h:6379");
  it("is a hash tag on a cluster, so that every key of the bot is in one slot", () => {
    expect(keyPrefix("dwc", cluster)).toBe("{dwc}");
    expect(keyPrefix("{dwc}", cluster)).toBe("{dwc}");
    expect(keyPrefix("prod-{dwc}", cluster)).toBe("prod-{dwc}");
  });
  it("stays as configured elsewhere (existing keys do not move); a tag may be configured for a cluster proxy", () => {
    expect(keyPrefix("dwc", single)).toBe("dwc");
    expect(keyPrefix("{dwc}", single)).toBe("{dwc}");
    expect(parseConfig({ redis: { prefix: "{dwc}" } }, {}).redis.prefix).toBe("{dwc}");
    expect(() => parseConfig({ redis: { prefix: "{a}{b}" } }, {})).toThrow(/redis\.prefix: .*at most one \{hash tag\}/);
  });
});
