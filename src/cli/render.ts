import { approvalCard } from "../approvals/card.js";
import { loadConfig } from "../config/load-config.js";
import type { Config } from "../config/schema.js";
import { AppError } from "../core/errors.js";
import type { DwEvent } from "../core/event.js";
import { postedRendererFor } from "../platforms.js";
import { createTemplateEngine } from "../templating/create-engine.js";
import type { TemplateEngine } from "../templating/engine.js";
import { previewApproval } from "./approval-preview.js";
import { readEventsFile } from "./read-event-file.js";

/**
 * Print the native payload each event of a file renders to, as the adapter would post it: an extension point
 * event that becomes an approval is its approval card (buttons, deadline, approvers). Needs no credentials and no
 * Redis, and loads only the templates and renderer it uses (no BullMQ, Fastify or platform SDK).
 */
export async function renderCommand(o: {
  configPath?: string;
  file?: string;
  platform: string;
  locale?: string;
  /** Look names up through the DataWorks read APIs first (needs dataworks.accessKeyId/accessKeySecret). */
  enrich?: boolean;
  now?: number;
  out?: (text: string) => void;
  note?: (text: string) => void;
}): Promise<number> {
  const out = o.out ?? ((t) => process.stdout.write(t));
  const note = o.note ?? ((t) => process.stderr.write(t));
  const { config } = loadConfig({ path: o.configPath });
  const { events, isList } = readEventsFile(o.file);
  const render = postedRendererFor(o.platform);
  if (!render) throw new AppError("USAGE", `unknown platform "${o.platform}": use slack, lark, dingtalk or console`);
  const locale = o.locale ?? config.templates.defaultLocale;
  if (locale !== "en" && locale !== "zh-CN") throw new AppError("USAGE", `unknown locale "${locale}": use en or zh-CN`);
  const templates = createTemplateEngine(config, "on-use");
  const enrich = o.enrich ? await enricher(config) : undefined;
  const now = o.now ?? Date.now();
  const payloads: unknown[] = [];
  for (const event of events) {
    const approval = previewApproval(config, event, now);
    if (approval) {
      note(
        `${event.eventCode || event.type} (${event.id}): the ${approval.state} approval card of route "${approval.route}"\n`,
      );
      payloads.push(render(approvalCard(approval, locale, templates, config)));
      continue;
    }
    const extras = enrich ? { enrich: await enrich(event) } : {};
    payloads.push(notification(templates, event, o.platform, locale, extras, render));
  }
  out(`${JSON.stringify(isList ? payloads : payloads[0], null, 2)}\n`);
  return 0;
}

function notification(
  templates: TemplateEngine,
  event: DwEvent,
  platform: string,
  locale: string,
  extras: { enrich?: Record<string, unknown> },
  render: (m: ReturnType<TemplateEngine["render"]>) => unknown,
): unknown {
  return templates.renderOverride(event, platform, locale, extras) ?? render(templates.render(event, locale, extras));
}

/** --enrich: the DataWorks read APIs (loaded only then: they bring the OpenAPI SDK). */
async function enricher(config: Readonly<Config>) {
  const [{ enricherFor }, { memoryStore }, { createLogger }] = await Promise.all([
    import("../runtime.js"),
    import("../enrich/lookup-cache.js"),
    import("../logger.js"),
  ]);
  const enrich = enricherFor(config, memoryStore(), createLogger(config.log.level, process.stderr));
  if (!enrich)
    throw new AppError(
      "USAGE",
      "--enrich needs dataworks.accessKeyId and dataworks.accessKeySecret (and enrich.enabled)",
    );
  return enrich;
}
