import { describe, expect, it } from "vitest";
import { verifyLarkRequest } from "../../../../adapters/lark/verify.js";
import { larkRequest } from "../../../helpers/sign-lark.js";

const KEY = "lark-encrypt-key-0123";
const NOW = Date.now();
const req = (r: { body: string; headers: Record<string, string> }) => ({
  method: "POST",
  path: "/lark/events",
  headers: r.headers,
  rawBody: Buffer.from(r.body),
});

describe("verifyLarkRequest: signature first, and no decryption oracle", () => {
  it("answers every unsigned body but the encrypted challenge the same way, decryptable or not", () => {
    const garbage = { body: JSON.stringify({ encrypt: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" }), headers: {} };
    const decryptable = larkRequest(
      KEY,
      { schema: "2.0", header: { event_type: "card.action.trigger" } },
      { unsigned: true },
    );
    const answers = [garbage, decryptable].map((r) => verifyLarkRequest(req(r), KEY, NOW));
    expect(answers).toEqual([
      { ok: false, status: 401, reason: "missing x-lark-signature" },
      { ok: false, status: 401, reason: "missing x-lark-signature" },
    ]);
    const challenge = larkRequest(KEY, { type: "url_verification", challenge: "c-1" }, { unsigned: true });
    expect(verifyLarkRequest(req(challenge), KEY, NOW)).toMatchObject({
      ok: true,
      signed: false,
      body: { challenge: "c-1" },
    });
  });

  it("checks the signature on the raw body before decrypting anything", () => {
    const forged = larkRequest(KEY, { schema: "2.0" }, { signingKey: "another-key-4567" });
    const broken = { ...forged, body: JSON.stringify({ encrypt: "not base64 ciphertext" }) };
    expect(verifyLarkRequest(req(broken), KEY, NOW)).toMatchObject({
      ok: false,
      reason: expect.stringContaining("signature does not match"),
    });
    const good = larkRequest(KEY, { schema: "2.0", header: { event_type: "card.action.trigger" } });
    expect(verifyLarkRequest(req(good), KEY, NOW)).toMatchObject({ ok: true, signed: true, body: { schema: "2.0" } });
  });
});
