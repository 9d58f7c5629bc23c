import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { FakeDataWorks } from "../fakes/dataworks-api.js";
import { resetCalls } from "./dataworks-api.js";
import { deleteKeys, TEST_REDIS_URL, testPrefix } from "./redis.js";

/**
 * For a describe block: a fake DataWorks gateway that knows one key, a real Redis connection, and a fresh key
 * prefix per test (the last test's keys removed, the fake's calls and scripted answers forgotten). Registers its
 * own hooks, so call it before the block's hooks that use them.
 */
export function dataWorksOnRedis(accessKeyId: string, accessKeySecret: string) {
  const dw = new FakeDataWorks({ keys: { [accessKeyId]: accessKeySecret } });
  const redis = new Redis(TEST_REDIS_URL);
  let current = "";
  beforeAll(async () => {
    await dw.start();
  });
  afterAll(async () => {
    await dw.stop();
    redis.disconnect();
    if (current) await deleteKeys(current);
  });
  beforeEach(async () => {
    if (current) await deleteKeys(current);
    current = testPrefix();
    resetCalls(dw);
  });
  return { dw, redis, prefix: () => current };
}
