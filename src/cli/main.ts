#!/usr/bin/env node
import { parseArgs } from "node:util";
import { AppError } from "../core/errors.js";

const HELP = `dw-chatops — DataWorks events to Slack, Lark and DingTalk, with approvals

Usage: dw-chatops <command> [options]

Commands:
  serve                 HTTP server (POST /dataworks/events, callbacks, /console, /approvals/<id>, /metrics,
                        health) and workers in one process
                          --no-workers (HTTP only; run 'worker' processes next to it)  --port N
                          --no-samples (local mode: do not send the sample events on the first start)
  worker                workers only (run any number next to one or more 'serve')
                          --metrics-port N (serve /healthz, /readyz and /metrics on this port)
  check-config          validate the config and templates; print every problem once, by key path
                        (environment variables, schema and cross-checks in one pass); "config OK" when valid
  render <event.json>   print what each event of the file renders to, as the adapter would post it, without
                        sending: an extension point event that becomes an approval is its approval card
                        (buttons, deadline, approvers); a file holding a list prints a JSON list
                          --platform slack|lark|dingtalk|console (default slack)  --locale en|zh-CN
                          --enrich (look names up through the DataWorks OpenAPI first)
  route <event.json>    explain, for each event of the file, the path the running bot would take: approval
                        (policy, approval route and its destinations, approvals.unmatched), notifications
                        filter, mutes (read from Redis when it answers within 1 s) and routes
  doctor                check the live set-up, one line per item with what to fix: Redis (version,
                        maxmemory-policy), Slack (auth.test, scopes), Lark (token, bot), DingTalk (token,
                        robot), DataWorks (AccessKey, extension, bound events and enabled workspaces
                        against the approval routes); exits 1 when something needed is missing
                          --workspace ID[,ID] (also check these workspaces; default: those the routes name)
  replay [file|dir]     send events to a running bot with the configured token (default: the bundled
                          samples in examples/events) and print what it answered (accepted, duplicates)
                          --rate N (events per second, default 5)  --url URL  --keep-ids

Options:
  --config FILE         config file (default: $DW_CHATOPS_CONFIG, else ./dw-chatops.yaml;
                        with neither, local defaults: a console destination and a generated token)
  -h, --help            this help

Environment:
  DW_CHATOPS_CONFIG     config file path
  REDIS_URL             Redis to use (redis://, redis+sentinel://, redis+cluster://; docs/configuration.md);
                        unset: 'serve'/'worker' start a local redis-server under dataDir
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      platform: { type: "string" },
      locale: { type: "string" },
      rate: { type: "string" },
      url: { type: "string" },
      "keep-ids": { type: "boolean" },
      "no-workers": { type: "boolean" },
      "no-samples": { type: "boolean" },
      port: { type: "string" },
      "metrics-port": { type: "string" },
      enrich: { type: "boolean" },
      workspace: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command || command === "help") {
    process.stdout.write(HELP);
    return command || values.help ? 0 : 2;
  }
  // Each command loads only its own modules: `render` must not pay for BullMQ, Fastify and the platform SDKs.
  switch (command) {
    case "serve": {
      const { serveCommand } = await import("./serve.js");
      return serveCommand({
        configPath: values.config,
        http: true,
        workers: !values["no-workers"],
        port: portOption(values.port, "--port"),
        samples: !values["no-samples"],
      });
    }
    case "worker": {
      const { serveCommand } = await import("./serve.js");
      return serveCommand({
        configPath: values.config,
        http: false,
        workers: true,
        metricsPort: portOption(values["metrics-port"], "--metrics-port"),
      });
    }
    case "check-config": {
      const { checkConfigCommand } = await import("./check-config.js");
      return checkConfigCommand({ configPath: values.config });
    }
    case "render": {
      const { renderCommand } = await import("./render.js");
      return renderCommand({
        configPath: values.config,
        file: args[0],
        platform: values.platform ?? "slack",
        locale: values.locale,
        enrich: values.enrich ?? false,
      });
    }
    case "route": {
      const { routeCommand } = await import("./route.js");
      return routeCommand({ configPath: values.config, file: args[0] });
    }
    case "doctor": {
      const { doctorCommand } = await import("./doctor.js");
      return doctorCommand({ configPath: values.config, workspaces: values.workspace });
    }
    case "replay": {
      const { replayCommand } = await import("./replay.js");
      return replayCommand({
        configPath: values.config,
        path: args[0],
        rate: values.rate,
        url: values.url,
        keepIds: values["keep-ids"] ?? false,
      });
    }
    default:
      process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

function portOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new AppError("USAGE", `${name} must be a port number`);
  return n;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (err: Error) => {
    process.stderr.write(`dw-chatops: ${err.message}\n`);
    process.exitCode = 1;
  },
);
