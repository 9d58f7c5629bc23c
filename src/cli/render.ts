import { rendererFor } from "../adapters.js";
import { loadConfig } from "../config/load-config.js";
import { AppError } from "../core/errors.js";
import { memoryStore } from "../enrich/lookup-cache.js";
import { createLogger } from "../logger.js";
import { createTemplateEngine, enricherFor } from "../runtime.js";
import { readEventFile } from "./read-event-file.js";

/** Print the native payload an event renders to. Needs no credentials and no Redis. */
export async function renderCommand(o: {
  configPath?: string;
  file?: string;
  platform: string;
  locale?: string;
  /** Look names up through the DataWorks read APIs first (needs dataworks.accessKeyId/accessKeySecret). */
  enrich?: boolean;
}): Promise<number> {
  const { config } = loadConfig({ path: o.configPath });
  const event = readEventFile(o.file);
  const render = rendererFor(o.platform);
  if (!render) throw new AppError("USAGE", `unknown platform "${o.platform}": use slack, lark, dingtalk or console`);
  const locale = o.locale ?? config.templates.defaultLocale;
  if (locale !== "en" && locale !== "zh-CN") throw new AppError("USAGE", `unknown locale "${locale}": use en or zh-CN`);
  const templates = createTemplateEngine(config);
  let extras = {};
  if (o.enrich) {
    const enrich = enricherFor(config, memoryStore(), createLogger(config.log.level, process.stderr));
    if (!enrich)
      throw new AppError(
        "USAGE",
        "--enrich needs dataworks.accessKeyId and dataworks.accessKeySecret (and enrich.enabled)",
      );
    extras = { enrich: await enrich(event) };
  }
  const native =
    templates.renderOverride(event, o.platform, locale, extras) ?? render(templates.render(event, locale, extras));
  process.stdout.write(`${JSON.stringify(native, null, 2)}\n`);
  return 0;
}
