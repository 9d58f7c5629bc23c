import type { Identities } from "../../src/config/sections/common.js";

/**
 * A daily rotation handing over at 00:00 UTC that began yesterday: yesterday was the first member's shift, today is
 * the second's, whenever the test runs.
 */
export function dailyFromYesterday(members: Array<Partial<Identities>>) {
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  return { shift: "daily", handover: "00:00", timeZone: "UTC", start: yesterday, members };
}
