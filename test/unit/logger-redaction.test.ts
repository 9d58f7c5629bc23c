/**
 * The logger's redaction of secrets: what pino's "*.<name>" paths caught (one level down, in any object) is caught
 * by censorSecrets, and so are a child logger's bindings and objects interpolated into a message.
 */
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, lazyChild } from "../../src/logger.js";

const SECRET = "s3cr3t-value-9f8e";
/** The names pino's wildcard paths redacted one level down ("*.token", …). */
const ONE_LEVEL_DOWN = [
  "token",
  "secret",
  "password",
  "accessKeySecret",
  "appSecret",
  "clientSecret",
  "signingSecret",
  "appToken",
  "webhook",
  "accessToken",
];

function capture(level = "trace") {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

class Client {
  readonly name: string;
  readonly token: string;
  constructor(name: string, token: string) {
    this.name = name;
    this.token = token;
  }
}

describe("log redaction", () => {
  it("censors every name the wildcard paths named, one level down, in a plain object or a class instance", () => {
    const { logger, lines } = capture();
    for (const k of ONE_LEVEL_DOWN) {
      logger.info({ cfg: { [k]: SECRET, kept: "visible" } }, `plain ${k}`);
      logger.info({ client: Object.assign(new Client("c", "t"), { [k]: SECRET }) }, `instance ${k}`);
    }
    expect(lines).toHaveLength(ONE_LEVEL_DOWN.length * 2);
    for (const l of lines) expect(l).not.toContain(SECRET);
    expect(lines[0]).toContain('"kept":"visible"');
    // The instance logged is left as it was.
    const c = new Client("c", SECRET);
    logger.warn({ client: c }, "an SDK client");
    expect(lines.at(-1)).toContain('"token":"[redacted]"');
    expect(c.token).toBe(SECRET);
  });

  it("censors a child logger's bindings", () => {
    const { logger, lines } = capture();
    logger.child({ jobId: "j1", target: { webhook: SECRET } }).info("sent");
    logger.child({ accessToken: SECRET }).info("sent");
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).not.toContain(SECRET);
    expect(lines[0]).toContain('"jobId":"j1"');
  });

  it("censors objects interpolated into a message", () => {
    const { logger, lines } = capture();
    logger.info("config %j", { slack: { token: SECRET } });
    logger.info("config %o", { dingtalk: { robots: [{ secret: SECRET }] } });
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).not.toContain(SECRET);
  });

  it("still censors request headers", () => {
    const { logger, lines } = capture();
    logger.info({ req: { headers: { authorization: `Bearer ${SECRET}`, "x-slack-signature": SECRET } } }, "req");
    expect(lines[0]).not.toContain(SECRET);
  });
});

// A job's logger (src/jobs/process-event.ts, deliver.ts) is made only when a line at an enabled level needs it.
describe("lazyChild", () => {
  it("writes what child() writes, bindings censored, and makes no child for a line at a level that is off", () => {
    const { logger, lines } = capture("warn");
    let reads = 0;
    const bindings = {
      get jobId() {
        reads++;
        return "j1";
      },
      accessToken: SECRET,
    };
    const log = lazyChild(logger, bindings);
    log.info("not written");
    log.debug({ x: 1 }, "not written");
    expect(reads).toBe(0);
    expect(lines).toHaveLength(0);
    log.warn("written");
    const made = reads;
    log.error("written too");
    expect(made).toBeGreaterThan(0);
    expect(reads).toBe(made);
    expect(lines).toHaveLength(2);
    const eager = capture("warn");
    eager.logger.child({ jobId: "j1", accessToken: SECRET }).warn("written");
    const strip = (l: string) => l.replace(/"time":"[^"]+"/, "").replace(/"pid":\d+/, "");
    expect(strip(lines[0] as string)).toBe(strip(eager.lines[0] as string));
    expect(lines[0]).not.toContain(SECRET);
  });

  it("is a logger like any: its own children, its bindings, and a level set on it alone", () => {
    const { logger, lines } = capture("warn");
    const log = lazyChild(logger, { eventId: "e1" });
    expect(log.bindings()).toMatchObject({ eventId: "e1" });
    log.level = "info";
    log.info("now written");
    logger.info("still not");
    log.child({ step: "send" }).info("from a grandchild");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('"eventId":"e1"');
    expect(lines[1]).toContain('"step":"send"');
  });
});
