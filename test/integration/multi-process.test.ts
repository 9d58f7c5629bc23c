/**
 * `serve --no-workers` and a separate `worker` as two real child processes (the CLI under tsx) on one Redis
 * prefix: the HTTP process only verifies and queues, the worker delivers and returns decisions, and nothing
 * but Redis connects them. Then both stop gracefully on SIGTERM.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { consoleOnlyConfig } from "../helpers/console-config.js";
import { type CliProcess, runCli } from "../helpers/cli-process.js";
import { freshEvent } from "../helpers/fixtures.js";
import { freePort } from "../helpers/free-port.js";
import { deleteKeys, testPrefix } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "multi-process-ingest-token-0123";

describe("serve --no-workers + worker as two processes on one Redis", () => {
  const prefix = testPrefix();
  const dir = mkdtempSync(join(tmpdir(), "dwc-multi-"));
  let serve: CliProcess;
  let worker: CliProcess;
  let api = "";
  let workerOps = "";

  beforeAll(async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    api = `http://127.0.0.1:${port}`;
    workerOps = `http://127.0.0.1:${metricsPort}`;
    const config = join(dir, "dw-chatops.yaml");
    writeFileSync(
      config,
      stringify({
        ...consoleOnlyConfig({ dir, port, prefix, ingestToken: TOKEN }),
        approvals: {
          routes: [{ name: "local", destinations: ["console"], approvers: { users: { console: ["carol"] } } }],
        },
      }),
    );
    serve = runCli(["serve", "--config", config, "--no-workers"]);
    worker = runCli(["worker", "--config", config, "--metrics-port", String(metricsPort)]);
    const ok = (url: string) =>
      fetch(url).then(
        (r) => r.ok,
        () => false,
      );
    // The two start side by side; the CLI under tsx takes 20 s and more to start on a busy 2-core machine.
    await waitFor(
      () => ok(`${api}/readyz`),
      () => `serve ready:\n${serve.out.join("")}`,
      60_000,
      200,
    );
    await waitFor(
      () => ok(`${workerOps}/readyz`),
      () => `worker ready:\n${worker.out.join("")}`,
      30_000,
      200,
    );
  }, 100_000);
  afterAll(async () => {
    for (const p of [serve, worker]) if (p && p.child.exitCode === null) p.child.kill("SIGKILL");
    await deleteKeys(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown) =>
    fetch(`${api}/dataworks/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-eventbridge-signature-token": TOKEN },
      body: JSON.stringify(body),
    });
  type Entry = { id: string; kind: string; op?: string; message?: { kind: string; context: string[]; title: string } };
  const feed = async () =>
    ((await (await fetch(`${api}/console/api/feed`)).json()) as { entries: Entry[]; audit: unknown[] }).entries;
  const metricsText = async (base: string) => (await fetch(`${base}/metrics`)).text();

  it("serve runs no workers; the worker process delivers what serve queued", async () => {
    const ready = (await (await fetch(`${api}/readyz`)).json()) as { checks: Record<string, unknown> };
    expect(ready.checks).toEqual({ redis: true, format: true });
    const ev = freshEvent("instance-status-changes");
    expect((await post(ev)).status).toBe(202);
    const entry = await waitFor(
      async () => (await feed()).find((e) => e.message?.context.some((c) => c.includes(String(ev.id)))),
      "the message delivered by the worker",
      20_000,
    );
    expect(entry.message?.title).toMatch(/^Failed/);
    // The console adapter prints where it delivers: in the worker's output, never in serve's.
    expect(worker.out.join("")).toContain(String(ev.id));
    expect(serve.out.join("")).not.toContain(`── console ──`);
    // The feed entry is written during the send; the counter moves once the send has returned, a moment later.
    await waitFor(
      async () => /dwc_messages_sent_total\{platform="console",kind="deliver"\} 1/.test(await metricsText(workerOps)),
      "the worker's sent counter",
      10_000,
    );
    expect(await metricsText(api)).toMatch(/dwc_events_received_total\{outcome="accepted"\} 1/);
    expect(await metricsText(api)).not.toMatch(/dwc_messages_sent_total\{/);
    // Room for the 20 s and 10 s waits above on a loaded machine.
  }, 90_000);

  it("an approval: card by the worker, click on serve, decision returned by the worker", async () => {
    const ev = freshEvent("commit-file");
    await post(ev);
    const card = await waitFor(
      async () => (await feed()).find((e) => e.message?.kind === "approval:commit-file" && e.op === "send"),
      "the approval card",
      20_000,
    );
    expect(card).toBeDefined();
    const res = (await (
      await fetch(`${api}/console/api/action`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          actionId: "approval.approve",
          value: await approvalId(String(ev.id)),
          user: "carol",
          destination: "console",
        }),
      })
    ).json()) as { ok: boolean };
    expect(res.ok).toBe(true);
    const standIn = await waitFor(
      async () => (await feed()).find((e) => e.kind === "stand-in"),
      "the stand-in decision from the worker",
      20_000,
    );
    expect(standIn).toMatchObject({ decision: { api: "UpdateIDEEventResult", checkResult: "OK", messageId: ev.id } });
    expect(worker.out.join("")).toContain("LOCAL STAND-IN");
    expect(serve.out.join("")).not.toContain("LOCAL STAND-IN: no DataWorks credentials configured; this decision");
    await waitFor(
      async () => (await feed()).some((e) => e.op === "update" && e.message?.title.startsWith("Approved:")),
      "the card updated",
      20_000,
    );
    // Room for the three 20 s waits above on a loaded machine.
  }, 90_000);

  it("both stop gracefully on SIGTERM", async () => {
    serve.child.kill("SIGTERM");
    worker.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    expect(await worker.exited).toBe(0);
    expect(worker.out.join("")).toContain("shutting down: finishing in-flight jobs");
  });

  async function approvalId(eventId: string): Promise<string> {
    // The status page is reached by approval id; the console card carries it as the button value.
    const entries = await feed();
    const card = entries.find(
      (e) => e.message?.kind === "approval:commit-file" && e.message.context.join(" ").includes(eventId),
    );
    const value = (card?.message as unknown as { actions: Array<{ value: string }> } | undefined)?.actions[0]?.value;
    if (!value) throw new Error("no approval button on the card");
    return value;
  }
});
