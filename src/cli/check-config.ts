import { describeOnCall } from "../access/describe-rotation.js";
import { loadConfig } from "../config/load-config.js";
import { ConfigError } from "../core/errors.js";
import { createTemplateEngine } from "../templating/create-engine.js";

/** Validate config and compile templates; print every problem with its key path. Exit 1 when invalid. */
export async function checkConfigCommand(o: { configPath?: string; now?: number }): Promise<number> {
  try {
    const { config, path } = loadConfig({ path: o.configPath });
    const templates = createTemplateEngine(config, "eager");
    const dests = Object.entries(config.destinations).map(([n, d]) => `${n} (${d.platform})`);
    process.stdout.write(
      `config OK: ${path ?? "(no file: local defaults)"}\n` +
        `  destinations: ${dests.join(", ") || "none"}\n` +
        `  routes: ${config.routes.length}, default destinations: ${config.defaultDestinations.join(", ") || "none"}\n` +
        `  templates: ${templates.names().length} event templates + fallback\n`,
    );
    // Who is on call now, so a wrong start date or time zone shows before anyone is paged.
    const now = o.now ?? Date.now();
    for (const [name, r] of Object.entries(config.rotations))
      process.stdout.write(`  rotation ${describeOnCall(name, r, now)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    process.stderr.write(`config invalid: ${(err as Error).message}\n`);
    return 1;
  }
}
