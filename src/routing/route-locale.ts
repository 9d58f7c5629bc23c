import type { Config } from "../config/schema.js";
import { routeName } from "./mentions.js";

/**
 * The language of a message: the first route that sent it here and names a locale (one channel can take
 * English and Chinese routes), else the destination's, else templates.defaultLocale.
 */
export function localeFor(config: Readonly<Config>, routeNames: readonly string[], destination: string): string {
  const route = config.routes.find((r, i) => r.locale && routeNames.includes(routeName(r, i)));
  return route?.locale ?? config.destinations[destination]?.locale ?? config.templates.defaultLocale;
}
