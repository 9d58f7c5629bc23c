import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The Lark SDK (~57 MiB of RSS) and Alibaba Cloud's OpenAPI client (~25 MiB) are loaded when a Lark client or a
 * DataWorks call needs them, not when the runtime is imported: a Slack-only bot without DataWorks credentials never
 * pays for them (docs/benchmarks.md). Checked in a fresh Node process, where the CJS module cache tells what loaded.
 */
const ROOT = join(import.meta.dirname, "..", "..", "..");

function loadedAfter(script: string): { lark: boolean; alicloud: boolean } {
  const code = `
    import { createRequire } from "node:module";
    ${script}
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    process.stdout.write(JSON.stringify({
      lark: loaded.some((f) => f.includes("@larksuiteoapi")),
      alicloud: loaded.some((f) => f.includes("@alicloud/openapi-client")),
    }));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`the probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { lark: boolean; alicloud: boolean };
}

describe("platform and cloud SDKs are loaded on demand", () => {
  it("a Slack-only runtime with its adapters built loads neither the Lark SDK nor the OpenAPI client", () => {
    const loaded = loadedAfter(`
      const { parseConfig } = await import("./src/config/load-config.ts");
      const { createAdapters } = await import("./src/adapters.ts");
      await import("./src/runtime.ts");
      const config = parseConfig({
        slack: { token: "xoxb-1" },
        destinations: { ops: { platform: "slack", channel: "C1" } },
        routes: [{ destinations: ["ops"] }],
      }, {});
      createAdapters(config);`);
    expect(loaded).toEqual({ lark: false, alicloud: false });
  });

  it("building a Lark client loads the Lark SDK (the probe sees a loaded SDK)", () => {
    const loaded = loadedAfter(`
      const { createLarkClient, TokenCache } = await import("./adapters/lark/client.ts");
      createLarkClient({ appId: "cli_0123456789abcdef", appSecret: "s", domain: "feishu" }, 1000, new TokenCache());`);
    expect(loaded.lark).toBe(true);
  });
});
