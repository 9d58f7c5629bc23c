import type { DwEvent } from "../core/event.js";
import { loadConfig } from "../config/load-config.js";
import { localeFor } from "../routing/route-locale.js";
import { Router } from "../routing/router.js";
import { readEventsFile } from "./read-event-file.js";

/** Show which routes and destinations an event would take. */
export async function routeCommand(o: { configPath?: string; file?: string }): Promise<number> {
  const { config } = loadConfig({ path: o.configPath });
  const router = new Router(config);
  for (const event of readEventsFile(o.file).events) explain(event);
  return 0;

  function explain(event: DwEvent) {
    const matches = router.match(event);
    const routesTo = router.byDestination(event);
    if (!matches.length) {
      process.stdout.write(
        `${event.type} (${event.id}): no route matches and no defaultDestinations: stored, not sent\n`,
      );
      return;
    }
    process.stdout.write(`${event.type} (${event.id}):\n`);
    for (const m of matches) {
      const dests = m.destinations.map(
        (d) => `${d} (${config.destinations[d]?.platform}, ${localeFor(config, routesTo.get(d) ?? [], d)})`,
      );
      process.stdout.write(`  route ${m.route} → ${dests.join(", ")}\n`);
    }
  }
}
