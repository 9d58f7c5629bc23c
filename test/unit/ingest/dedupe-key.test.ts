import { describe, expect, it } from "vitest";
import { dedupeKey } from "../../../src/ingest/ingest-events.js";

describe("dedupeKey", () => {
  it("is the same key release after release (Redis holds it across a rolling deploy)", () => {
    // sha256 of source NUL id, hex, first 40 characters.
    expect(dedupeKey({ source: "acs.dataworks", id: "e-1" })).toBe("84cc7cf0525616a54763e760dc718eaea9631deb");
  });
});
