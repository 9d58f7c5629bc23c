/** Numeric DataWorks ids arrive as numbers or digit strings; anything else is not an id to look up. */
export function dataworksId(v: unknown): string | undefined {
  if (typeof v === "number" && Number.isSafeInteger(v) && v > 0) return String(v);
  if (typeof v === "string" && /^\d{1,20}$/.test(v)) return v;
  return undefined;
}

/** Ids arrive as numbers or strings (long ones as strings); missing or empty is no id. */
export function idText(v: unknown): string | undefined {
  return v === undefined || v === null || v === "" ? undefined : String(v);
}
