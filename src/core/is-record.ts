/** A plain JSON-like object (not null, not an array): what parsed config, events and templates are read as. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
