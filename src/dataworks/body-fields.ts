/** Reading fields of a DataWorks OpenAPI answer, whose numbers come as numbers or digit strings by API version. */

/** The value as an object, or {} when it is anything else. */
export const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** A non-empty string, a number as a string, else undefined. */
export const str = (v: unknown): string | undefined =>
  typeof v === "string" && v ? v : typeof v === "number" ? String(v) : undefined;

/** A number, or a digit string (signed, as numbers may be) as one, else undefined. */
export const num = (v: unknown): number | undefined =>
  typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : undefined;
