import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { DwEvent } from "../../../src/core/event.js";
import { parseEnvelopes } from "../../../src/dataworks/envelope.js";
import { packageRoot } from "../../../src/package-root.js";
import { TemplateEngine, type TemplateEngineOptions } from "../../../src/templating/engine.js";
import { FIXTURE_DIR } from "../../helpers/fixtures.js";

export const BUILT_IN = join(packageRoot(), "templates");
export const LOCALES = ["en", "zh-CN"] as const;

/** The engine as production builds it (runtime.createTemplateEngine with default config values). */
export function engine(o: Partial<TemplateEngineOptions> = {}): TemplateEngine {
  return new TemplateEngine({
    dirs: [BUILT_IN],
    timeZone: "Asia/Shanghai",
    consoleUrl: "https://dataworks.data.aliyun.com",
    regionId: "cn-hangzhou",
    ...o,
  });
}

/** Every fixture, primary and variants, by name ("commit-file", "instance-status-changes.running" …). */
export function fixtureFiles(): Array<{ name: string; file: string }> {
  const primary = readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ name: f.replace(/\.json$/, ""), file: join(FIXTURE_DIR, f) }));
  const variants = readdirSync(join(FIXTURE_DIR, "variants"))
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({ name: f.replace(/\.json$/, ""), file: join(FIXTURE_DIR, "variants", f) }));
  return [...primary, ...variants].sort((a, b) => a.name.localeCompare(b.name));
}

/** Parse a body the way POST /dataworks/events does. */
export function toEvent(body: unknown): DwEvent {
  const r = parseEnvelopes(body);
  if (!r.ok) throw new Error(`fixture does not parse: ${JSON.stringify(r.problems)}`);
  return r.events[0]!;
}

export function loadEvent(file: string): DwEvent {
  return toEvent(JSON.parse(readFileSync(file, "utf8")));
}
