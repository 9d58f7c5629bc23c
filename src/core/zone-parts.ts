/** Building an Intl.DateTimeFormat costs far more than using one: keep one per zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "longOffset",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * What the clock in the IANA zone `timeZone` reads at `t`, by part: year, month, day, hour (00–23), minute, second
 * as digits, and timeZoneName as the UTC offset ("GMT+08:00", "GMT" for UTC itself).
 */
export function zoneParts(t: number | Date, timeZone: string): Record<string, string> {
  return Object.fromEntries(
    formatter(timeZone)
      .formatToParts(t)
      .map((p) => [p.type, p.value]),
  );
}
