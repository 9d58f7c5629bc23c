import { describe, expect, it } from "vitest";
import { ActionRouter, UNKNOWN_ACTION } from "../../../src/actions/router.js";
import type { ActionEvent } from "../../../src/core/chat-adapter.js";
import { createLogger } from "../../../src/logger.js";

const logger = createLogger("silent");
const click = (actionId: string, input?: string): ActionEvent => ({
  id: "cb1",
  adapter: "slack",
  actionId,
  value: "ap1",
  user: { id: "U1" },
  ...(input === undefined ? {} : { input }),
});

/** A handler that answers with what it was given, so a test sees which handler a click reached. */
const echo = (name: string) => ({
  handle: async (a: ActionEvent) => ({ ok: true, text: `${name}:${a.actionId}:${a.input ?? ""}` }),
  failed: () => ({ ok: false, text: `${name} failed` }),
});

describe("ActionRouter", () => {
  it("sends a click to the handler of its id's prefix, the longest prefix first", async () => {
    const router = new ActionRouter(logger)
      .on("approval.", echo("approvals"))
      .on("incident.", echo("incidents"))
      .on("incident.rerun.", echo("reruns"));
    expect(await router.handle(click("approval.approve"))).toEqual({ ok: true, text: "approvals:approval.approve:" });
    expect(await router.handle(click("incident.ack"))).toEqual({ ok: true, text: "incidents:incident.ack:" });
    expect(await router.handle(click("incident.rerun.node"))).toEqual({
      ok: true,
      text: "reruns:incident.rerun.node:",
    });
  });

  it("answers a click no handler knows with unknown action", async () => {
    const router = new ActionRouter(logger).on("approval.", echo("approvals"));
    expect(await router.handle(click("approvalx"))).toEqual(UNKNOWN_ACTION);
    expect(await router.handle(click("dataworks.rerun"))).toEqual({ ok: false, text: "unknown action" });
  });

  it("answers with the handler's failed reply when it throws, and logs the error", async () => {
    const lines: string[] = [];
    const log = createLogger("error", { write: (l: string) => lines.push(l) });
    const router = new ActionRouter(log).on("approval.", {
      handle: async () => {
        throw new Error("redis gone");
      },
      failed: (a) => ({ ok: false, text: `try again (${a.actionId})` }),
    });
    expect(await router.handle(click("approval.block"))).toEqual({ ok: false, text: "try again (approval.block)" });
    expect(lines.join("")).toContain("action failed");
    expect(lines.join("")).toContain("redis gone");
  });

  it("makes the click and the answer well formed (a lone surrogate typed or stored)", async () => {
    const router = new ActionRouter(logger).on("approval.", {
      handle: async (a) => ({ ok: true, text: `${a.input} \ud800` }),
      failed: () => ({ ok: false, text: "" }),
    });
    const reply = await router.handle(click("approval.block", "why \udc00"));
    expect(reply.text).toBe("why \ufffd \ufffd");
  });

  it("refuses an empty prefix and a prefix routed twice", () => {
    const router = new ActionRouter(logger).on("approval.", echo("a"));
    expect(() => router.on("approval.", echo("b"))).toThrow(/already routed/);
    expect(() => router.on("", echo("c"))).toThrow(/empty/);
  });
});
