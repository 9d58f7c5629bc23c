import { describe, expect, it } from "vitest";
import type { DestinationConfig } from "../../src/config/sections/destinations.js";
import type { ChatAdapter, MessageRef } from "../../src/core/chat-adapter.js";
import { DeliveryError } from "../../src/core/errors.js";
import { type DiffSection, emptyMessage, type Message } from "../../src/core/message.js";
import { targetFor } from "../../src/platforms.js";

/** One way of reaching one platform (an app bot chat, a custom robot …), with the fake that plays the platform. */
export interface ContractCase {
  /** e.g. "lark (custom bot)" */
  title: string;
  /** The destination as configured (once the fakes listen): the registry's targetFor turns it into the target. */
  destination(): DestinationConfig;
  adapter(): ChatAdapter;
  /** Messages the fake holds for this destination. */
  delivered(): number;
  /** Edits the fake applied to the message `ref` names; absent when the platform cannot edit what this way sends. */
  updates?(ref: MessageRef): number;
  /** Make the fake answer the next call with a throttle, and with a server failure; absent for the console. */
  failNext?: { throttle(): void; outage(): void };
  /** A credential of this destination that must never appear in an error. */
  secret?: string;
}

const message = (title: string): Message => ({ ...emptyMessage("contract", "en"), title, severity: "warning" });

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

/** A 2,000-line rewrite with code that could close fences and mention everyone (approval cards, issue 16). */
function hugeDiff(): DiffSection {
  const lines = Array.from({ length: 2000 }, (_, i) => ({
    kind: i % 2 ? ("add" as const) : ("del" as const),
    text: `SELECT ${i} AS n, '\`\`\` <!channel> <at id=all></at> @all' FROM t_${i};`,
  }));
  return {
    kind: "diff",
    title: "Code change",
    diff: {
      file: "ods_order_detail_di",
      added: 1000,
      removed: 1000,
      summary: "+1000 \u22121000",
      lines: [{ kind: "hunk", text: "@@ -1,1000 +1,1000 @@" }, ...lines],
      truncated: false,
      link: { label: "whole diff", url: "https://chatops.example.com/approvals/abc#diff" },
      words: { more: "{count} more changed lines", whole: "see the whole diff", shortened: "shortened" },
    },
  };
}

/** What the core relies on from every ChatAdapter, checked against each platform's fake. */
export function chatAdapterContract(c: ContractCase): void {
  describe(`ChatAdapter contract: ${c.title}`, () => {
    const target = () => targetFor("contract-dest", c.destination());

    it("is registered under its platform's name and renders purely (same message, same JSON payload)", () => {
      const a = c.adapter();
      expect(a.name).toBe(c.destination().platform);
      const m = message("pure ☃ 纯");
      const first = JSON.stringify(a.render(m));
      expect(JSON.stringify(a.render(structuredClone(m)))).toBe(first);
      expect(first).toContain("pure ☃ 纯");
    });

    it("fits a huge code change to what the platform accepts (its fake checks the limits), with its summary", async () => {
      const a = c.adapter();
      const before = c.delivered();
      const payload = a.render({ ...message("diff"), sections: [hugeDiff()] });
      const json = JSON.stringify(payload);
      expect(json).toContain("+1000 \u22121000");
      await a.send(target(), payload);
      expect(c.delivered()).toBe(before + 1);
    });

    it("sends exactly one message and returns a JSON-safe ref naming the adapter and destination", async () => {
      const a = c.adapter();
      const before = c.delivered();
      const ref = await a.send(target(), a.render(message("one")));
      expect(c.delivered()).toBe(before + 1);
      expect(ref).toMatchObject({ adapter: a.name, destination: "contract-dest" });
      expect(Object.values(ref.ids).every((v) => typeof v === "string")).toBe(true);
      expect(JSON.parse(JSON.stringify(ref))).toEqual(ref);
    });

    if (c.updates) {
      const updates = c.updates;
      it("edits a sent message in place through its ref", async () => {
        const a = c.adapter();
        const ref = await a.send(target(), a.render(message("before")));
        expect(a.update).toBeDefined();
        await a.update?.(ref, a.render(message("after")));
        expect(updates(ref)).toBe(1);
      });
    } else {
      it("refuses to edit what it cannot edit, permanently (no retry would help)", async () => {
        const a = c.adapter();
        const ref = await a.send(target(), a.render(message("once")));
        if (!a.update) return expect(a.update).toBeUndefined();
        const e = await failure(a.update(ref, a.render(message("again"))));
        expect(e).toMatchObject({ retryable: false, adapter: a.name });
      });
    }

    if (c.failNext) {
      const failNext = c.failNext;
      it("maps the platform's throttle to a retryable, throttled DeliveryError", async () => {
        const a = c.adapter();
        failNext.throttle();
        const e = await failure(a.send(target(), a.render(message("throttled"))));
        expect(e).toMatchObject({ retryable: true, throttled: true, adapter: a.name, destination: "contract-dest" });
        if (c.secret) expect(JSON.stringify({ m: e.message, e })).not.toContain(c.secret);
      });

      it("maps a server failure to a retryable DeliveryError without the credential", async () => {
        const a = c.adapter();
        const before = c.delivered();
        failNext.outage();
        const e = await failure(a.send(target(), a.render(message("outage"))));
        expect(e).toMatchObject({ retryable: true, adapter: a.name, destination: "contract-dest" });
        expect(c.delivered()).toBe(before);
        if (c.secret) expect(JSON.stringify({ m: e.message, e })).not.toContain(c.secret);
      });
    }
  });
}
