import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { createSignatureVerifier } from "../../src/http/eventbridge-signature.js";
import { HttpFake } from "../fakes/http-fake.js";
import { type TestBot, startTestBot } from "../helpers/bot.js";
import { freshEvent } from "../helpers/fixtures.js";
import { type SignOptions, signV1, signV2, TEST_SIGNING_CERT } from "../helpers/sign-eventbridge.js";

const TOKEN = "target-token-0123456789";
const OTHER_KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;

/**
 * The certificate server stands in for https://<region>-eventbridge.oss-accelerate.aliyuncs.com: /certs/* serves
 * the test certificate, /slow/* never answers, /big/* is oversized, /garbage/* is not a certificate.
 */
function certServer() {
  return new HttpFake(async (req, res) => {
    if (req.path.startsWith("/certs/")) {
      res.writeHead(200, { "content-type": "application/x-pem-file" });
      res.end(TEST_SIGNING_CERT);
    } else if (req.path.startsWith("/slow/")) {
      await new Promise((r) => setTimeout(r, 3_000));
      res.end(TEST_SIGNING_CERT);
    } else if (req.path.startsWith("/big/")) {
      res.end(TEST_SIGNING_CERT.repeat(100));
    } else if (req.path.startsWith("/garbage/")) {
      res.end("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
    } else {
      res.writeHead(404).end();
    }
  });
}

describe("EventBridge request signatures on POST /dataworks/events (real Redis, local certificate server)", () => {
  const certs = certServer();
  let signedOnly: TestBot;
  let requiredWithToken: TestBot;
  let coexisting: TestBot;
  let closedPort = 0;
  const fetchesOf = (prefix: string) => certs.requests.filter((r) => r.path.startsWith(prefix)).length;

  beforeAll(async () => {
    const base = await certs.start();
    closedPort = await freePort();
    const port = new URL(base).port;
    const signature = {
      enabled: true,
      certUrlPatterns: [
        `^http://127\\.0\\.0\\.1:${port}/(certs|slow|big|garbage|missing)/`,
        `^http://127\\.0\\.0\\.1:${closedPort}/`,
      ],
      certFetchTimeout: "500ms",
    };
    // The fixtures' account: signature-only ingest must name the accounts it takes events from.
    const start = (auth: Record<string, unknown>) =>
      startTestBot(
        { destinations: { c: { platform: "console" } }, ingest: { auth, accountIds: ["1234567890981234"] } },
        { workers: false },
      );
    [signedOnly, requiredWithToken, coexisting] = await Promise.all([
      start({ tokens: [], signature }),
      start({ tokens: [TOKEN], signature: { ...signature, required: true } }),
      start({ tokens: [TOKEN], signature }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([signedOnly?.close(), requiredWithToken?.close(), coexisting?.close()]);
    await certs.stop();
  });

  const certUrl = (path = `/certs/x509_public_certificate_${randomUUID()}.pem`) => `${certs.url}${path}`;
  const endpoint = (bot: TestBot) => `${bot.url}${bot.config.ingest.path}`;
  const jobs = (bot: TestBot) =>
    bot.runtime.queues.events.getJobCountByTypes("waiting", "active", "completed", "delayed", "failed", "prioritized");

  async function post(bot: TestBot, body: string, headers: Record<string, string>) {
    const res = await fetch(endpoint(bot), {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    return { status: res.status, json: (await res.json()) as { error?: string; message?: string; accepted?: number } };
  }

  /** Sign a fresh event for `bot`; `patch` changes what is signed, `send` what is sent. */
  function signed(
    bot: TestBot,
    version: 1 | 2,
    patch: Partial<SignOptions> = {},
  ): { body: string; headers: Record<string, string> } {
    const body = JSON.stringify(freshEvent("instance-status-changes"));
    const opts: SignOptions = { url: endpoint(bot), body, certUrl: certUrl(), ...patch };
    return { body, headers: version === 1 ? signV1(opts) : signV2(opts) };
  }

  for (const version of [1, 2] as const) {
    it(`accepts a valid v${version} signature and queues the event`, async () => {
      const before = await jobs(signedOnly);
      const { body, headers } = signed(signedOnly, version);
      const res = await post(signedOnly, body, headers);
      expect(res.status).toBe(202);
      expect(res.json.accepted).toBe(1);
      expect(await jobs(signedOnly)).toBe(before + 1);
    });
  }

  it("with a Bearer token configured, a validly signed push must carry the Bearer token too", async () => {
    const bearer = await startTestBot(
      {
        destinations: { c: { platform: "console" } },
        ingest: {
          auth: {
            tokens: [],
            bearerTokens: ["bearer-secret-0001"],
            signature: signedOnly.config.ingest.auth.signature,
          },
        },
      },
      { workers: false },
    );
    try {
      // A signature proves EventBridge sent it, not that the operator's rule did: any account's rule can target us.
      const a = signed(bearer, 2);
      const without = await post(bearer, a.body, a.headers);
      expect(without.status).toBe(401);
      expect(without.json.message).toContain("Authorization");
      const b = signed(bearer, 2);
      const withBearer = await post(bearer, b.body, { ...b.headers, authorization: "Bearer bearer-secret-0001" });
      expect(withBearer.status).toBe(202);
    } finally {
      await bearer.close();
    }
  });

  it("accepts the layouts the sources disagree on (no trailing newline, no empty token line), v1 and v2", async () => {
    for (const sign of [signV1, signV2]) {
      for (const layout of [
        { trailingNewline: false },
        { tokenLineWhenAbsent: false },
        { trailingNewline: false, tokenLineWhenAbsent: false },
      ]) {
        const body = JSON.stringify(freshEvent("kill-instance"));
        const headers = sign({ url: endpoint(signedOnly), body, certUrl: certUrl(), ...layout });
        expect((await post(signedOnly, body, headers)).status, `${sign.name} ${JSON.stringify(layout)}`).toBe(202);
      }
    }
  });

  const refusals: Array<[string, () => { body: string; headers: Record<string, string> }, string]> = [
    [
      "v1 wrong signature",
      () => {
        const s = signed(signedOnly, 1);
        return { ...s, headers: { ...s.headers, "x-eventbridge-signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" } };
      },
      "x-eventbridge-signature does not match",
    ],
    [
      "v2 wrong signature",
      () => {
        const s = signed(signedOnly, 2);
        const other = signed(signedOnly, 2);
        return {
          ...s,
          headers: { ...s.headers, "x-eventbridge-signature-v2": other.headers["x-eventbridge-signature-v2"] ?? "" },
        };
      },
      "x-eventbridge-signature-v2 does not match",
    ],
    ["v1 tampered body", () => tamper(signed(signedOnly, 1)), "x-eventbridge-signature does not match"],
    ["v2 tampered body", () => tamper(signed(signedOnly, 2)), "x-eventbridge-signature-v2 does not match"],
    ["v1 stale timestamp (61 s)", () => signed(signedOnly, 1, { timestamp: Date.now() - 61_000 }), "ms old"],
    ["v2 stale timestamp (61 s)", () => signed(signedOnly, 2, { timestamp: Date.now() - 61_000 }), "ms old"],
    ["v2 future timestamp (61 s)", () => signed(signedOnly, 2, { timestamp: Date.now() + 61_000 }), "in the future"],
    ["v1 future timestamp (61 s)", () => signed(signedOnly, 1, { timestamp: Date.now() + 61_000 }), "in the future"],
    [
      "a look-alike certificate bucket",
      () => signed(signedOnly, 2, { certUrl: "https://evil-eventbridge.oss-accelerate.aliyuncs.com/x509.pem" }),
      "is not allow-listed",
    ],
    [
      "a local URL outside the patterns",
      () => signed(signedOnly, 2, { certUrl: certUrl("/elsewhere/cert.pem") }),
      "is not allow-listed",
    ],
    [
      "a certificate URL answering 404",
      () => signed(signedOnly, 2, { certUrl: certUrl(`/missing/${randomUUID()}.pem`) }),
      "could not fetch the signing certificate: HTTP 404",
    ],
    [
      "an oversized certificate",
      () => signed(signedOnly, 2, { certUrl: certUrl(`/big/${randomUUID()}.pem`) }),
      "larger than",
    ],
    [
      "a certificate that does not parse",
      () => signed(signedOnly, 2, { certUrl: certUrl(`/garbage/${randomUUID()}.pem`) }),
      "not a valid X.509",
    ],
    [
      "a v1 secret encrypted with another key",
      () => signed(signedOnly, 1, { key: OTHER_KEY }),
      "was not encrypted by the certificate's key",
    ],
    ["a v2 signature made with another key", () => signed(signedOnly, 2, { key: OTHER_KEY }), "does not match"],
    [
      "an unsupported v1 method",
      () => signed(signedOnly, 1, { method: "HMAC-SHA256" }),
      "unsupported x-eventbridge-signature-method",
    ],
    [
      "an incomplete header set",
      () => {
        const s = signed(signedOnly, 2);
        const { "x-eventbridge-hash-method": _, ...rest } = s.headers;
        return { ...s, headers: rest };
      },
      "missing x-eventbridge-hash-method",
    ],
    [
      "an unsigned request (no shared secrets configured)",
      () => ({ body: JSON.stringify(freshEvent("kill-instance")), headers: {} }),
      "no EventBridge signature headers",
    ],
  ];

  for (const [name, make, reason] of refusals) {
    it(`refuses ${name} with 401 and its own reason, queuing nothing`, async () => {
      const before = await jobs(signedOnly);
      const { body, headers } = make();
      const res = await post(signedOnly, body, headers);
      expect(res.status).toBe(401);
      expect(res.json.message).toContain(reason);
      for (const secret of [headers["x-eventbridge-signature-secret"], headers["x-eventbridge-signature"]])
        if (secret) expect(res.json.message).not.toContain(secret);
      expect(await jobs(signedOnly)).toBe(before);
    });
  }

  // Our side could not check the signature: EventBridge must retry (503), not drop the event as unauthorized.
  const unverifiable: Array<[string, () => { body: string; headers: Record<string, string> }, string]> = [
    [
      "an unreachable certificate URL",
      () => signed(signedOnly, 2, { certUrl: `http://127.0.0.1:${closedPort}/cert.pem` }),
      "could not fetch the signing certificate: ECONNREFUSED",
    ],
    [
      "a certificate server that does not answer in time",
      () => signed(signedOnly, 1, { certUrl: certUrl(`/slow/${randomUUID()}.pem`) }),
      "no answer within 500 ms",
    ],
  ];
  for (const [name, make, reason] of unverifiable) {
    it(`answers ${name} with 503 (retry later), queuing nothing`, async () => {
      const before = await jobs(signedOnly);
      const { body, headers } = make();
      const res = await post(signedOnly, body, headers);
      expect(res.status).toBe(503);
      expect(res.json.error).toBe("signature_unverifiable");
      expect(res.json.message).toContain(reason);
      expect(await jobs(signedOnly)).toBe(before);
    });
  }

  it("fetches a certificate once for many requests, concurrent ones included", async () => {
    const path = `/certs/once-${randomUUID()}.pem`;
    const sendOne = (version: 1 | 2) => {
      const { body, headers } = signed(signedOnly, version, { certUrl: certUrl(path) });
      return post(signedOnly, body, headers);
    };
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => sendOne(i % 2 ? 1 : 2)));
    for (let i = 0; i < 5; i++) burst.push(await sendOne(2));
    expect(burst.map((r) => r.status)).toEqual(Array(25).fill(202));
    expect(fetchesOf(path)).toBe(1);
  });

  it("required: true refuses an unsigned request even with the right token", async () => {
    const before = await jobs(requiredWithToken);
    const body = JSON.stringify(freshEvent("kill-instance"));
    const res = await post(requiredWithToken, body, { "x-eventbridge-signature-token": TOKEN });
    expect(res.status).toBe(401);
    expect(res.json.message).toContain("signature is required");
    expect(await jobs(requiredWithToken)).toBe(before);
    const ok = signed(requiredWithToken, 2, { token: TOKEN });
    expect((await post(requiredWithToken, ok.body, ok.headers)).status).toBe(202);
  });

  it("token and signature coexist: unsigned with the token passes, signed needs the token too", async () => {
    const body = JSON.stringify(freshEvent("kill-instance"));
    expect((await post(coexisting, body, { "x-eventbridge-signature-token": TOKEN })).status).toBe(202);
    for (const version of [1, 2] as const) {
      const good = signed(coexisting, version, { token: TOKEN });
      expect((await post(coexisting, good.body, good.headers)).status).toBe(202);
      // Validly signed by EventBridge, but for someone else's target (wrong or no token): refused.
      const foreign = signed(coexisting, version, { token: "someone-elses-token" });
      const r1 = await post(coexisting, foreign.body, foreign.headers);
      expect(r1.status).toBe(401);
      expect(r1.json.message).toContain("does not match any configured ingest.auth.tokens");
      const none = signed(coexisting, version);
      expect((await post(coexisting, none.body, none.headers)).status).toBe(401);
    }
    // A bad signature is not rescued by a good token.
    const bad = tamper(signed(coexisting, 2, { token: TOKEN }));
    expect((await post(coexisting, bad.body, bad.headers)).status).toBe(401);
  });
});

describe("createSignatureVerifier (direct)", () => {
  const certs = certServer();
  beforeAll(() => certs.start());
  afterAll(() => certs.stop());
  const url = "https://bot.example.com/dataworks/events?x=1";

  it("refetches after the cache TTL, signs the URL, and answers odd input with a reason", async () => {
    const verifier = createSignatureVerifier({
      certUrlPatterns: [`^http://127\\.0\\.0\\.1:${new URL(certs.url).port}/certs/`],
      maxSkew: 60_000,
      // Long enough that the second verify below is still inside it on a loaded machine.
      certCacheTtl: 500,
      certFetchTimeout: 1_000,
    });
    const certUrl = `${certs.url}/certs/ttl-${randomUUID()}.pem`;
    const body = Buffer.from('{"a":1}');
    const h = signV2({ url, body, certUrl });
    expect(await verifier(h, body, url, Date.now())).toEqual({ ok: true, method: "signature-v2" });
    expect(await verifier(h, body, url, Date.now())).toMatchObject({ ok: true });
    expect(verifier.certs.fetches).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(await verifier(h, body, url, Date.now())).toMatchObject({ ok: true });
    expect(verifier.certs.fetches).toBe(2);
    // The URL is part of what is signed: another path or query fails.
    expect(await verifier(h, body, `${url}&y=2`, Date.now())).toMatchObject({ ok: false });
    expect(await verifier({}, body, url, Date.now())).toBeUndefined();
    expect(await verifier({ ...h, "x-eventbridge-signature-timestamp": "12:00" }, body, url, Date.now())).toEqual({
      ok: false,
      reason: "x-eventbridge-signature-timestamp is not epoch milliseconds",
    });
    expect(await verifier({ ...h, "x-eventbridge-signature-v2": "%%%" }, body, url, Date.now())).toMatchObject({
      reason: "x-eventbridge-signature-v2 is not base64",
    });
  });

  it("accepts exactly maxSkew both ways and refuses one millisecond more", async () => {
    const verifier = createSignatureVerifier({
      certUrlPatterns: [`^http://127\\.0\\.0\\.1:${new URL(certs.url).port}/certs/`],
      maxSkew: 60_000,
      certCacheTtl: 60_000,
      certFetchTimeout: 1_000,
    });
    const body = Buffer.from("{}");
    const ts = 1_700_000_000_000;
    const h = signV1({ url, body, certUrl: `${certs.url}/certs/skew.pem`, timestamp: ts });
    expect(await verifier(h, body, url, ts + 60_000)).toMatchObject({ ok: true, method: "signature-v1" });
    expect(await verifier(h, body, url, ts - 60_000)).toMatchObject({ ok: true });
    expect(await verifier(h, body, url, ts + 60_001)).toMatchObject({ ok: false });
    expect(await verifier(h, body, url, ts - 60_001)).toMatchObject({ ok: false });
  });

  it("the default allow-list takes the documented regional buckets only", () => {
    const config = parseConfig(
      {
        destinations: { c: { platform: "console" } },
        ingest: { accountIds: ["1234567890981234"], auth: { signature: { enabled: true } } },
      },
      {},
    );
    const v = createSignatureVerifier(config.ingest.auth.signature);
    const ok = [
      "https://cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com/x509_public_certificate_2021012101.pem",
      "https://cn-hangzhou-eventbridge.oss-cn-hangzhou.aliyuncs.com/x509_public_certificate_2021012101.pem",
      "https://ap-southeast-1-eventbridge.oss-accelerate.aliyuncs.com/cert.pem",
    ];
    const refused = [
      "http://cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com/cert.pem",
      "https://evil-eventbridge.oss-accelerate.aliyuncs.com/cert.pem",
      "https://cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com.evil.com/cert.pem",
      "https://user:pw@cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com/cert.pem",
      "https://evil.com/https://cn-hangzhou-eventbridge.oss-accelerate.aliyuncs.com/",
      "https://cn-hangzhou-eventbridge.oss-evil.aliyuncs.com/cert.pem",
      "not a url",
    ];
    for (const u of ok) expect(v.certs.allowed(u).ok, u).toBe(true);
    for (const u of refused) expect(v.certs.allowed(u).ok, u).toBe(false);
  });

  it("config: bad patterns, enabled without patterns and required without enabled are reported", () => {
    const parse = (signature: object) =>
      parseConfig({ destinations: { c: { platform: "console" } }, ingest: { auth: { signature } } }, {});
    expect(() => parse({ enabled: true, certUrlPatterns: ["(unclosed"] })).toThrow(
      /certUrlPatterns\[0\]: not a valid regular expression/,
    );
    expect(() => parse({ enabled: true, certUrlPatterns: [] })).toThrow(
      /certUrlPatterns: enabled needs at least one pattern/,
    );
    expect(() => parse({ required: true })).toThrow(/required: required needs enabled: true/);
  });
});

/** A port nothing listens on: bind, read the port, close. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

function tamper(s: { body: string; headers: Record<string, string> }) {
  return { ...s, body: s.body.replace('"status":', '"status": ') };
}
