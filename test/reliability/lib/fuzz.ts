/**
 * Generated request bodies for the fuzz scenario, from a seeded PRNG (the same run every time): random JSON, the
 * right shapes with wrong types, deep nesting, huge strings, invalid UTF-8, wrong content types; each optionally
 * carrying valid authentication for its endpoint so it reaches the parsers behind the checks.
 */
import { createHash, createHmac, randomUUID } from "node:crypto";
import { fixture } from "../../helpers/fixtures.js";
import { larkEncrypt } from "../../helpers/sign-lark.js";
import { SECRETS } from "./common.js";
import type { Req } from "./inbound.js";

export function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)] as T;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const WEIRD_STRINGS = [
  "",
  " ",
  "null",
  "__proto__",
  "constructor",
  "{{x}}",
  "<script>",
  "\u0000",
  "😀",
  "中文",
  "%00",
  "a".repeat(300),
];

function value(r: Rng, depth: number): unknown {
  const k = depth > 4 ? r.int(5) : r.int(8);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.next() < 0.5;
    case 2:
      return r.pick([0, -1, 1e308, -0, 2 ** 53 + 1, 3.14, Number.MAX_SAFE_INTEGER]);
    case 3:
      return r.pick(WEIRD_STRINGS);
    case 4:
      return randomUUID();
    case 5:
      return Array.from({ length: r.int(5) }, () => value(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(6); i > 0; i--)
        o[r.pick(["id", "type", "data", "source", "__proto__", "payload", "event", "header", "x"])] = value(
          r,
          depth + 1,
        );
      return o;
    }
  }
}

/** A CloudEvent / Slack payload / Lark event shape with some fields swapped for values of the wrong type. */
function wrongTypes(r: Rng, endpoint: Endpoint): unknown {
  const base: Record<string, unknown> =
    endpoint === "eventbridge"
      ? { ...fixture(r.pick(["instance-status-changes", "commit-file", "workbench-monitor-alert"])), id: randomUUID() }
      : endpoint === "slack"
        ? {
            type: r.pick(["block_actions", "view_submission", "shortcut", "url_verification"]),
            user: { id: "U1" },
            actions: [{ action_id: "approval.approve", value: "x" }],
          }
        : {
            schema: "2.0",
            header: {
              event_type: r.pick(["card.action.trigger", "im.message.receive_v1", "url_verification"]),
              event_id: randomUUID(),
            },
            event: {},
          };
  for (const key of Object.keys(base)) if (r.next() < 0.4) base[key] = value(r, 3);
  if (endpoint === "eventbridge" && r.next() < 0.5) base.data = value(r, 1);
  return r.next() < 0.2 ? [base, base] : base;
}

function deep(r: Rng): string {
  const n = r.pick([100, 1000, 10_000, 100_000]);
  return r.next() < 0.5 ? `${"[".repeat(n)}${"]".repeat(n)}` : `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
}

export type Endpoint = "eventbridge" | "slack" | "lark";
const PATHS: Record<Endpoint, string> = {
  eventbridge: "/dataworks/events",
  slack: "/slack/events",
  lark: "/lark/events",
};

/** One generated request; `kind` names the generator for the report. */
export function generate(r: Rng, endpoint: Endpoint): { kind: string; authed: boolean; req: Req } {
  const kind = r.pick(["random-json", "wrong-types", "wrong-types", "deep", "huge", "invalid-utf8", "content-type"]);
  let body: Buffer;
  let type = endpoint === "slack" && r.next() < 0.5 ? "application/x-www-form-urlencoded" : "application/json";
  switch (kind) {
    case "random-json":
      body = Buffer.from(JSON.stringify(value(r, 0)) ?? "null");
      break;
    case "wrong-types": {
      const v = JSON.stringify(wrongTypes(r, endpoint));
      body = Buffer.from(type.includes("form") ? `payload=${encodeURIComponent(v)}` : v);
      break;
    }
    case "deep":
      body = Buffer.from(deep(r));
      break;
    case "huge":
      // Around the 1 MiB body limit: under it (parsed) and over it (413).
      body = Buffer.from(
        JSON.stringify({ id: randomUUID(), data: { s: "x".repeat(r.pick([200_000, 900_000, 1_200_000, 3_000_000])) } }),
      );
      break;
    case "invalid-utf8":
      body = Buffer.from(Array.from({ length: 1 + r.int(2000) }, () => r.int(256)));
      if (r.next() < 0.5)
        body = Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]);
      break;
    default:
      body = Buffer.from(JSON.stringify(value(r, 0)) ?? "x");
      type = r.pick([
        "text/plain",
        "application/xml",
        "multipart/form-data; boundary=x",
        "",
        "application/json; charset=latin1",
        "application/cloudevents+json",
        "application/x-www-form-urlencoded",
      ]);
  }
  if (endpoint === "lark" && kind === "wrong-types" && r.next() < 0.5)
    body = Buffer.from(JSON.stringify({ encrypt: larkEncrypt(SECRETS.larkEncryptKey, JSON.parse(body.toString())) }));
  const authed = r.next() < 0.5;
  const headers: Record<string, string> = type ? { "content-type": type } : {};
  if (authed) Object.assign(headers, authHeaders(endpoint, body));
  else if (r.next() < 0.5) Object.assign(headers, forgedHeaders(endpoint, r));
  return { kind, authed, req: { path: PATHS[endpoint], headers, body } };
}

function authHeaders(endpoint: Endpoint, body: Buffer): Record<string, string> {
  if (endpoint === "eventbridge") return { "x-eventbridge-signature-token": SECRETS.ingestToken };
  if (endpoint === "slack") {
    // Over the exact bytes, as Slack signs what it sends.
    const ts = String(Math.floor(Date.now() / 1000));
    const mac = createHmac("sha256", SECRETS.slackSigning).update(Buffer.concat([Buffer.from(`v0:${ts}:`), body]));
    return { "x-slack-request-timestamp": ts, "x-slack-signature": `v0=${mac.digest("hex")}` };
  }
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomUUID().slice(0, 16);
  const sig = createHash("sha256")
    .update(Buffer.concat([Buffer.from(ts + nonce + SECRETS.larkEncryptKey), body]))
    .digest("hex");
  return { "x-lark-request-timestamp": ts, "x-lark-request-nonce": nonce, "x-lark-signature": sig };
}

function forgedHeaders(endpoint: Endpoint, r: Rng): Record<string, string> {
  if (endpoint === "eventbridge")
    return r.next() < 0.5
      ? { "x-eventbridge-signature-token": "forged" }
      : { authorization: r.pick(["Bearer x", "Basic Zm9vOmJhcg==", "garbage"]) };
  if (endpoint === "slack")
    return {
      "x-slack-signature": "v0=deadbeef",
      "x-slack-request-timestamp": r.pick(["0", "abc", String(Date.now()), "-1"]),
    };
  return {
    "x-lark-signature": "00",
    "x-lark-request-timestamp": r.pick(["0", "x", "99999999999"]),
    "x-lark-request-nonce": "n",
  };
}
