import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { ServerResponse } from "node:http";
import { IMPACT_ACTIONS, ImpactSeeds } from "./dataworks-impact-api.js";
import { INSTANCE_OP_ACTIONS, InstanceOpSeeds } from "./dataworks-instance-ops-api.js";
import { SNAPSHOT_ACTIONS, SnapshotSeeds } from "./dataworks-snapshot-api.js";
import { HttpFake, json, type Recorded } from "./http-fake.js";

/**
 * Fake DataWorks OpenAPI (product dataworks-public, RPC style) on 127.0.0.1. It checks what the gateway
 * checks: the V3 signature (ACS3-HMAC-SHA256, verified here independently of the SDK, following
 * https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature), a fresh
 * x-acs-date (15 min) and an unused nonce, a known x-acs-action/x-acs-version pair, and the required
 * parameters of each action in the location the official SDK uses. It records every accepted call, can
 * be scripted to fail or be slow, and serves the read APIs from seeded data.
 */

type Location = "query" | "body" | "either";

interface ActionSpec {
  version: string;
  /** Required parameters and where they must be. Read APIs accept either: RPC gateways read both. */
  required: readonly string[];
  location: Location;
  respond: (fake: FakeDataWorks, p: Record<string, string>) => { status: number; body: Record<string, unknown> };
}

/** A scripted answer for the next matching call. */
export type DwScript =
  | { throttle: true }
  | { status: number; code?: string }
  | { invalidParameter: true }
  | { successFalse: true }
  | { delayMs: number }
  /** Accept the connection and never answer: a client timeout. */
  | { hang: true }
  /** Do the work, then never answer: the operation happened but its answer was lost (a client timeout). */
  | { applyThenHang: true };

export interface DwCall {
  action: string;
  version: string;
  params: Record<string, string>;
  /** Where the operation parameters arrived. */
  location: "query" | "body";
  accessKeyId: string;
  at: number;
}

export interface SeedInstance {
  InstanceId: number;
  NodeId: number;
  NodeName: string;
  CycTime: number;
  Bizdate: number;
  Status: string;
  log?: string;
}

const CHECK_RESULTS = new Set(["OK", "FAIL", "WARN"]);
const DECISION_BODY = ["MessageId", "ExtensionCode", "CheckResult"] as const;

const ACTIONS: Record<string, ActionSpec> = {
  UpdateIDEEventResult: {
    version: "2020-05-18",
    required: DECISION_BODY,
    location: "body",
    respond: (f, p) => f.decide("UpdateIDEEventResult", p, CHECK_RESULTS, () => ({})),
  },
  UpdateWorkbenchEventResult: {
    version: "2020-05-18",
    required: DECISION_BODY,
    location: "query",
    // Doc: "OK 代表检查成功,FAIL 代表检查失败"; WARN is not a documented value for this API.
    respond: (f, p) => f.decide("UpdateWorkbenchEventResult", p, new Set(["OK", "FAIL"]), () => ({ Success: true })),
  },
  CallbackExtension: {
    version: "2020-05-18",
    required: DECISION_BODY,
    location: "body",
    respond: (f, p) => f.decide("CallbackExtension", p, CHECK_RESULTS, () => ({ Success: "true" })),
  },
  GetInstance: {
    version: "2020-05-18",
    required: ["InstanceId", "ProjectEnv"],
    location: "either",
    respond: (f, p) => {
      const id = Number(p.InstanceId);
      const i = f.instances.get(id);
      // The status the instance operations left, in 2020-05-18's words (Failure → FAILURE, NotRun → NOT_RUN).
      const live = f.instanceOps.status
        .get(id)
        ?.replace(/([a-z])([A-Z])/g, "$1_$2")
        .toUpperCase();
      if (!i && !live) return notFound(`instance ${p.InstanceId}`);
      const { log: _log, ...data } = i ?? { InstanceId: id };
      return ok({ Success: true, HttpStatusCode: 200, Data: live ? { ...data, Status: live } : data });
    },
  },
  GetInstanceLog: {
    version: "2020-05-18",
    required: ["InstanceId", "ProjectEnv"],
    location: "either",
    respond: (f, p) => {
      const i = f.instances.get(Number(p.InstanceId));
      if (!i) return notFound(`instance ${p.InstanceId}`);
      return ok({ Success: true, HttpStatusCode: 200, Data: i.log ?? "" });
    },
  },
  GetNode: {
    version: "2020-05-18",
    required: ["NodeId", "ProjectEnv"],
    location: "either",
    respond: (f, p) => {
      const n = f.nodes.get(Number(p.NodeId));
      if (!n) return notFound(`node ${p.NodeId}`);
      return ok({ Success: true, HttpStatusCode: 200, Data: n });
    },
  },
  GetProject: {
    version: "2020-05-18",
    required: ["ProjectId"],
    location: "either",
    respond: (f, p) => {
      const w = f.projects.get(Number(p.ProjectId));
      if (!w) return notFound(`project ${p.ProjectId}`);
      return ok({ Success: true, HttpStatusCode: 200, Data: w });
    },
  },
  ...Object.fromEntries(
    Object.entries(SNAPSHOT_ACTIONS).map(([name, a]) => [
      name,
      { version: "2020-05-18", required: a.required, location: "either", respond: (f, p) => a.respond(f.seeds, p) },
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(IMPACT_ACTIONS).map(([name, a]) => [
      name,
      { version: a.version, required: a.required, location: "either", respond: (f, p) => a.respond(f.impact, p) },
    ]),
  ),
  // Write operations: parameters in the form body, where the official SDK puts them.
  ...Object.fromEntries(
    Object.entries(INSTANCE_OP_ACTIONS).map(([name, a]) => [
      name,
      { version: a.version, required: a.required, location: "body", respond: (f, p) => a.respond(f.instanceOps, p) },
    ]),
  ),
};

/** The decision APIs (the ones that take a decision's body): what decisionCalls() counts. */
const DECISION_ACTIONS = new Set(Object.keys(ACTIONS).filter((a) => ACTIONS[a]?.required === DECISION_BODY));

export class FakeDataWorks {
  readonly fake: HttpFake;
  /** Accepted (authenticated, well-formed) calls, in arrival order. */
  readonly calls: DwCall[] = [];
  /** Scripted answers, consumed by the next call whose action matches (or any call when action is unset). */
  readonly script: Array<{ action?: string; answer: DwScript }> = [];
  readonly instances = new Map<number, SeedInstance>();
  readonly nodes = new Map<number, { NodeId: number; NodeName: string; OwnerId: string; ProjectId: number }>();
  readonly projects = new Map<number, { ProjectId: number; ProjectName: string; ProjectIdentifier: string }>();
  /** What the snapshot, extension and member APIs answer from (dataworks-snapshot-api.ts). */
  readonly seeds = new SnapshotSeeds();
  /** What the downstream and baseline APIs answer from (dataworks-impact-api.ts). */
  readonly impact = new ImpactSeeds();
  /** Instance statuses the rerun / set-success / stop APIs act on (dataworks-instance-ops-api.ts). */
  readonly instanceOps = new InstanceOpSeeds();
  /** Decisions DataWorks accepted, by MessageId. */
  readonly decisions = new Map<string, { action: string; checkResult: string; tip: string }>();
  /** Refusals, for assertions: code per rejected request. */
  readonly refusals: string[] = [];
  private readonly keys: ReadonlyMap<string, string>;
  private readonly nonces = new Set<string>();
  private seq = 0;
  now: () => number = Date.now;

  constructor(opts: { keys: Record<string, string> }) {
    this.keys = new Map(Object.entries(opts.keys));
    this.impact.liveStatus = (id) => this.instanceOps.status.get(id);
    this.fake = new HttpFake((req, res) => this.handle(req, res));
  }

  start = () => this.fake.start();
  stop = () => this.fake.stop();
  /** host:port, for `dataworks.endpoint`. */
  get endpoint() {
    return this.fake.url.replace(/^http:\/\//, "");
  }
  /**
   * The `dataworks:` config section that points a bot at this fake (plain HTTP). The client timeout is roomy:
   * tests count DataWorks calls exactly, and a call timed out on a loaded machine would be retried. Tests of the
   * timeout build their own config.
   */
  botConfig(o: { accessKeyId: string; accessKeySecret: string; extensionCode: string }) {
    return { endpoint: this.endpoint, protocol: "http", timeout: "10s", ...o };
  }

  callsOf(action: string) {
    return this.calls.filter((c) => c.action === action);
  }

  /**
   * Accepted calls of the three decision APIs. Counting every call that carries a MessageId would also count the
   * approval card's snapshot read (GetIDEEventDetail takes the MessageId too) as a second decision.
   */
  decisionCalls() {
    return this.calls.filter((c) => DECISION_ACTIONS.has(c.action));
  }

  /** Shared by the three decision APIs: validate CheckResult, remember the first answer per MessageId. */
  decide(
    action: string,
    p: Record<string, string>,
    allowed: ReadonlySet<string>,
    extra: () => Record<string, unknown>,
  ): { status: number; body: Record<string, unknown> } {
    const result = p.CheckResult ?? "";
    if (!allowed.has(result))
      return { status: 400, body: { Code: "InvalidParameter", Message: `CheckResult "${result}" is not valid` } };
    const tip = p.CheckResultTip ?? p.CheckMessage ?? "";
    if (!this.decisions.has(p.MessageId ?? ""))
      this.decisions.set(p.MessageId ?? "", { action, checkResult: result, tip });
    return ok(extra());
  }

  private async handle(req: Recorded, res: ServerResponse) {
    const requestId = `FAKE-${++this.seq}`;
    const refuse = (status: number, code: string, message: string) => {
      this.refusals.push(code);
      json(res, status, { Code: code, Message: message, RequestId: requestId });
    };
    if (req.method !== "POST" || req.path !== "/") return refuse(404, "InvalidAction.NotFound", "use POST /");
    const auth = verifyV3(req, this.keys, this.now());
    if (!auth.ok) return refuse(auth.status, auth.code, auth.message);
    const nonce = String(req.headers["x-acs-signature-nonce"]);
    if (this.nonces.has(nonce)) return refuse(400, "SignatureNonceUsed", "The request signature nonce has been used.");
    this.nonces.add(nonce);

    const action = String(req.headers["x-acs-action"] ?? "");
    const version = String(req.headers["x-acs-version"] ?? "");
    const spec = ACTIONS[action];
    if (!spec || spec.version !== version)
      return refuse(404, "InvalidAction.NotFound", `Specified api ${action} (${version}) is not found`);

    const query = Object.fromEntries(req.query);
    const body = req.body && typeof req.body === "object" ? (req.body as Record<string, string>) : {};
    for (const name of spec.required) {
      const inQuery = query[name] !== undefined && query[name] !== "";
      const inBody = body[name] !== undefined && body[name] !== "";
      const where = spec.location;
      const present = where === "either" ? inQuery || inBody : where === "query" ? inQuery : inBody;
      if (!present) return refuse(400, `Missing${name}`, `${name} is mandatory for this action.`);
    }
    const params = { ...query, ...body };
    const location = Object.keys(body).length > 0 ? "body" : "query";
    this.calls.push({ action, version, params, location, accessKeyId: auth.accessKeyId, at: this.now() });

    const i = this.script.findIndex((s) => !s.action || s.action === action);
    const next = i >= 0 ? this.script.splice(i, 1)[0]?.answer : undefined;
    if (next && "delayMs" in next) await new Promise((r) => setTimeout(r, next.delayMs));
    if (next && "hang" in next) return;
    if (next && "applyThenHang" in next) {
      spec.respond(this, params);
      return;
    }
    if (next && "throttle" in next)
      return json(res, 429, {
        Code: "Throttling.User",
        Message: "Request was denied due to user flow control.",
        RequestId: requestId,
      });
    if (next && "status" in next)
      return json(res, next.status, {
        Code: next.code ?? "InternalError",
        Message: "The request processing has failed due to some unknown error.",
        RequestId: requestId,
      });
    if (next && "invalidParameter" in next)
      return json(res, 400, {
        Code: "InvalidParameter",
        Message: "The specified parameter is invalid.",
        RequestId: requestId,
      });
    if (next && "successFalse" in next)
      return json(res, 200, {
        RequestId: requestId,
        Success: false,
        ErrorCode: "Invalid.Extension.MessageNotFound",
        ErrorMessage: "message not found",
      });
    const out = spec.respond(this, params);
    return json(res, out.status, { RequestId: requestId, ...out.body });
  }
}

function ok(body: Record<string, unknown>) {
  return { status: 200, body };
}

function notFound(what: string) {
  return { status: 400, body: { Code: "InvalidParameter.NotFound", Message: `${what} does not exist` } };
}

type Verified = { ok: true; accessKeyId: string } | { ok: false; status: number; code: string; message: string };

/** RFC 3986 percent-encoding as the V3 doc requires: space → %20, `*` → %2A, `~` kept. */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Verify an ACS3-HMAC-SHA256 request:
 *   CanonicalRequest = METHOD\nURI\nCanonicalQuery\nCanonicalHeaders\nSignedHeaders\nhex(sha256(body))
 *   StringToSign     = "ACS3-HMAC-SHA256\n" + hex(sha256(CanonicalRequest))
 *   Signature        = hex(hmac-sha256(secret, StringToSign))
 * Signed headers must cover host, x-acs-* and content-type when present.
 */
export function verifyV3(req: Recorded, keys: ReadonlyMap<string, string>, now: number): Verified {
  const fail = (status: number, code: string, message: string): Verified => ({ ok: false, status, code, message });
  const header = String(req.headers.authorization ?? "");
  const m = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(header);
  if (!m) return fail(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.");
  const [, accessKeyId = "", signedList = "", signature = ""] = m;
  const secret = keys.get(accessKeyId);
  if (secret === undefined) return fail(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.");

  const signed = signedList.split(";");
  const mustSign = Object.keys(req.headers).filter(
    (h) => h === "host" || h === "content-type" || h.startsWith("x-acs-"),
  );
  for (const h of [
    "host",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
  ])
    if (!signed.includes(h) || req.headers[h] === undefined)
      return fail(400, "IncompleteSignature", `header ${h} must be present and signed`);
  if (mustSign.some((h) => !signed.includes(h)))
    return fail(400, "IncompleteSignature", "host, content-type and every x-acs-* header must be signed");
  if ([...signed].sort().join(";") !== signedList)
    return fail(400, "IncompleteSignature", "SignedHeaders must be lowercase and sorted");

  const date = Date.parse(String(req.headers["x-acs-date"]));
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(String(req.headers["x-acs-date"])) || Number.isNaN(date))
    return fail(400, "InvalidTimeStamp.Format", "x-acs-date must be yyyy-MM-ddTHH:mm:ssZ");
  if (Math.abs(now - date) > 15 * 60_000)
    return fail(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.");

  const payloadHash = createHash("sha256").update(Buffer.from(req.raw, "utf8")).digest("hex");
  if (req.headers["x-acs-content-sha256"] !== payloadHash)
    return fail(400, "ContentSha256.Mismatch", "x-acs-content-sha256 does not match the body");

  const query = [...req.query.entries()]
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = signed.map((h) => `${h}:${String(req.headers[h] ?? "").trim()}\n`).join("");
  const canonical = [req.method, "/", query, canonicalHeaders, signedList, payloadHash].join("\n");
  const toSign = `ACS3-HMAC-SHA256\n${createHash("sha256").update(canonical).digest("hex")}`;
  const expected = createHmac("sha256", secret).update(toSign).digest();
  const given = Buffer.from(signature, "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return fail(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.");
  return { ok: true, accessKeyId };
}
