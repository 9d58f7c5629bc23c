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
 * Parts already worked out, by zone and whole second (the parts have no finer unit): the events of a burst carry
 * the same few times, and one message shows several. Bounded: emptied when full.
 */
const recent = new Map<string, Readonly<Record<string, string>>>();
const MAX_RECENT = 1_000;

/**
 * What the clock in the IANA zone `timeZone` reads at `t`, by part: year, month, day, hour (00–23), minute, second
 * as digits, and timeZoneName as the UTC offset ("GMT+08:00", "GMT" for UTC itself).
 */
export function zoneParts(t: number | Date, timeZone: string): Readonly<Record<string, string>> {
  const second = Math.floor(Number(t) / 1000);
  const key = `${second} ${timeZone}`;
  let parts = recent.get(key);
  if (!parts) {
    parts = Object.freeze(
      Object.fromEntries(
        formatter(timeZone)
          .formatToParts(second * 1000)
          .map((p) => [p.type, p.value]),
      ),
    );
    if (recent.size >= MAX_RECENT) recent.clear();
    recent.set(key, parts);
  }
  return parts;
}
