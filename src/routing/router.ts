import type { Config } from "../config/schema.js";
import type { DwEvent } from "../core/event.js";
import { routeName } from "./mentions.js";
import { type CompiledPattern, compilePattern } from "./pattern.js";

export interface RouteMatch {
  route: string;
  destinations: string[];
}

/** The event as EventBridge patterns see it: the CloudEvent envelope with `data` nested. */
export function patternView(e: DwEvent): Record<string, unknown> {
  return {
    ...e.attributes,
    id: e.id,
    source: e.source,
    type: e.type,
    ...(e.time ? { time: e.time } : {}),
    ...(e.regionId ? { aliyunregionid: e.regionId } : {}),
    ...(e.accountId ? { aliyunaccountid: e.accountId } : {}),
    data: e.data,
  };
}

export class Router {
  private readonly routes: Array<{ name: string; match: CompiledPattern; destinations: string[]; cont: boolean }>;
  private readonly defaults: string[];

  constructor(config: Pick<Config, "routes" | "defaultDestinations">) {
    this.routes = config.routes.map((r, i) => {
      const compiled = r.match ? compilePattern(r.match) : { match: () => true };
      if (!compiled.match) throw new Error(`routes[${i}].match: ${compiled.error}`);
      return {
        name: routeName(r, i),
        match: compiled.match,
        destinations: [...r.destinations],
        cont: r.continue,
      };
    });
    this.defaults = [...config.defaultDestinations];
  }

  /** Ordered list of matched routes; stops at the first match unless it says `continue`. */
  match(e: DwEvent): RouteMatch[] {
    const view = patternView(e);
    const out: RouteMatch[] = [];
    for (const r of this.routes) {
      if (!r.match(view)) continue;
      out.push({ route: r.name, destinations: r.destinations });
      if (!r.cont) break;
    }
    if (out.length === 0 && this.defaults.length) out.push({ route: "default", destinations: this.defaults });
    return out;
  }

  /** Each destination the event goes to, with the routes that send it there (for per-route mentions). */
  byDestination(e: DwEvent): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const m of this.match(e)) for (const d of m.destinations) out.set(d, [...(out.get(d) ?? []), m.route]);
    return out;
  }

  /** Unique destination names for an event, in route order. */
  destinations(e: DwEvent): string[] {
    return [...this.byDestination(e).keys()];
  }
}
