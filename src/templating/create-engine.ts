import { join } from "node:path";
import type { Config } from "../config/schema.js";
import { packageRoot } from "../package-root.js";
import { TemplateEngine, type TemplateEngineOptions } from "./engine.js";

/** The engine for a config: the built-in templates, then `templates.dir` (its files win). */
export function createTemplateEngine(
  config: Readonly<Config>,
  compile: TemplateEngineOptions["compile"] = "yours",
): TemplateEngine {
  const builtIn = join(packageRoot(), "templates");
  return new TemplateEngine({
    dirs: config.templates.dir ? [builtIn, config.templates.dir] : [builtIn],
    timeZone: config.templates.timeZone,
    consoleUrl: config.dataworks.consoleUrl,
    regionId: config.dataworks.regionId,
    compile,
  });
}
