import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DwEvent } from "../../src/core/event.js";

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "events");

/** One DataWorks event fixture (an EventBridge "Complete Event" body) by event code or variant name. */
export function fixture(name: string): Record<string, unknown> {
  const file = name.includes("/") ? join(FIXTURE_DIR, `${name}.json`) : join(FIXTURE_DIR, `${name}.json`);
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

/** Every primary fixture (one per event type). */
export function allFixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.replace(/\.json$/, ""))
    .sort();
}

/** A fixture with a fresh envelope id, so tests never collide on deduplication. */
export function freshEvent(name: string, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fixture(name), id: randomUUID(), ...patch };
}

/** An already parsed event (what the workers see), with a fresh id. */
export function dwEvent(type: string, eventCode: string, data: Record<string, unknown> = {}): DwEvent {
  return { id: randomUUID(), source: "acs.dataworks", type, eventCode, envelope: "cloudevent", data, attributes: {} };
}

/** A parsed instance status change (src/dataworks/instance.ts). */
export function instanceEvent(data: Record<string, unknown>): DwEvent {
  return dwEvent("dataworks:InstanceStatusChanges:InstanceStatusChanges", "instance-status-changes", data);
}
