/**
 * DataWorks: the AccessKey works (a read call), the extension exists, is bound to every extension point event an
 * approval route asks humans about, and is enabled for those events in the workspaces the routes name (or
 * `--workspace`), the way docs/setup-dataworks-extension.md's checklist walks through them.
 */
import type { Config } from "../../config/schema.js";
import { CATALOG } from "../../dataworks/catalog.js";
import { clientFromConfig, type DataWorksApi, DataWorksApiError } from "../../dataworks/openapi-client.js";
import { type ExtensionInfo, getExtension, listEnabledExtensions } from "../../dataworks/snapshots.js";
import { compilePattern } from "../../routing/pattern.js";
import { type CheckLine, fail, message, ok, skip, warn } from "./line.js";

const STATUS = ["Testing", "Publishing", "?", "Disabled", "Processing", "Approved", "Approve Failed"];

/** Extension point event codes some approval route matches (its pattern without `data` conditions). */
export function routedEventCodes(config: Readonly<Config>): Map<string, string> {
  const out = new Map<string, string>();
  for (const route of config.approvals.routes) {
    const { data: _data, ...top } = (route.match ?? {}) as Record<string, unknown>;
    const m = compilePattern(top).match ?? (() => false);
    for (const e of CATALOG)
      if (e.extensionPoint && !out.has(e.eventCode) && m({ source: "acs.dataworks", type: e.type, data: {} }))
        out.set(e.eventCode, route.name);
  }
  return out;
}

/** Workspace ids named by routes (`data.projectId` / `data.appId` equal values). */
function routedWorkspaces(config: Readonly<Config>): string[] {
  const ids = new Set<string>();
  for (const r of config.approvals.routes) {
    const data = ((r.match ?? {}) as { data?: Record<string, unknown> }).data ?? {};
    for (const key of ["projectId", "appId"])
      for (const v of Array.isArray(data[key]) ? (data[key] as unknown[]) : [])
        if (typeof v === "number" || (typeof v === "string" && /^\d+$/.test(v))) ids.add(String(v));
  }
  return [...ids];
}

export async function checkDataWorks(
  config: Readonly<Config>,
  o: { workspaces?: string[]; api?: DataWorksApi } = {},
): Promise<CheckLine[]> {
  const dw = config.dataworks;
  const routes = config.approvals.routes.length > 0;
  if (!dw.accessKeyId || !dw.accessKeySecret)
    return [
      routes
        ? fail(
            "dataworks.credentials",
            "no AccessKey: decisions would go to a local stand-in and never reach DataWorks",
            "set dataworks.accessKeyId and dataworks.accessKeySecret (a RAM user with DataWorks Open Platform permissions)",
          )
        : skip("dataworks", "no AccessKey and no approval routes: notifications only"),
    ];
  if (!dw.extensionCode)
    return [
      (routes ? fail : warn)(
        "dataworks.extensionCode",
        "not set: DataWorks cannot match any decision",
        "copy the extension's code from DataWorks Open Platform → Extensions",
      ),
    ];
  const api = o.api ?? clientFromConfig(dw);
  const t = { regionId: dw.regionId };
  let ext: ExtensionInfo;
  try {
    ext = await getExtension(api, t, dw.extensionCode);
  } catch (err) {
    const code = err instanceof DataWorksApiError ? err.apiCode : "";
    if (/AccessKey|Signature|Forbidden|NoPermission/i.test(code))
      return [
        fail(
          "dataworks.credentials",
          message(err),
          "check the AccessKey and the RAM user's DataWorks permissions (AliyunDataWorksFullAccess or the Open Platform actions)",
        ),
      ];
    if (/NotExist|NotFound/i.test(code))
      return [
        ok("dataworks.credentials", "AccessKey accepted"),
        fail(
          "dataworks.extension",
          `${dw.extensionCode}: ${message(err)}`,
          "register the extension in Open Platform → Extensions (or fix dataworks.extensionCode / regionId)",
        ),
      ];
    return [fail("dataworks.credentials", message(err), "check dataworks.regionId / endpoint and the network")];
  }
  const status = STATUS[ext.status ?? 2] ?? String(ext.status);
  const lines: CheckLine[] = [ok("dataworks.credentials", "AccessKey accepted (GetExtension)")];
  lines.push(
    ext.status === 3
      ? fail(
          "dataworks.extension",
          `"${ext.name ?? ext.code}" is Disabled`,
          "enable it again in Open Platform → Extensions",
        )
      : ext.status === 0
        ? warn(
            "dataworks.extension",
            `"${ext.name ?? ext.code}" is in Testing: DataWorks asks it only in workspace ${ext.projectTesting ?? "?"}`,
            "submit it for review and publish it, then enable it in each workspace",
          )
        : ok("dataworks.extension", `"${ext.name ?? ext.code}" ${status}`),
  );
  const routed = routedEventCodes(config);
  for (const [code, route] of routed)
    lines.push(
      ext.boundEvents.includes(code)
        ? ok(`dataworks.bound ${code}`, `route "${route}"`)
        : fail(
            `dataworks.bound ${code}`,
            `route "${route}" asks for approvals of ${code}, but the extension is not bound to it`,
            "add it under the extension's Processed Extension Points (DataWorks never asks for it otherwise)",
          ),
    );
  const unrouted = ext.boundEvents.filter((c) => !routed.has(c));
  if (unrouted.length)
    lines.push(
      warn(
        "dataworks.bound",
        `bound but no approval route: ${unrouted.join(", ")} (answered by approvals.unmatched: ${config.approvals.unmatched})`,
      ),
    );
  const workspaces = [...new Set([...(o.workspaces ?? []), ...routedWorkspaces(config)])];
  if (ext.status === 0 && ext.projectTesting) workspaces.push(String(ext.projectTesting));
  const events = [...routed.keys()].filter((c) => ext.boundEvents.includes(c));
  if (!workspaces.length)
    lines.push(skip("dataworks.enabled", "no workspace to check: routes name none; pass --workspace ID[,ID]"));
  else if (ext.status === 0)
    lines.push(ok("dataworks.enabled", `Testing: used in workspace ${ext.projectTesting ?? "?"} without enabling`));
  else
    for (const ws of new Set(workspaces)) {
      for (const code of events) {
        try {
          const enabled = await listEnabledExtensions(api, t, ws, code);
          lines.push(
            enabled.includes(ext.code)
              ? ok(`dataworks.enabled ${ws} ${code}`, "enabled")
              : fail(
                  `dataworks.enabled ${ws} ${code}`,
                  "not enabled in this workspace",
                  "a workspace admin enables it in Management Center → Extensions",
                ),
          );
        } catch (err) {
          lines.push(fail(`dataworks.enabled ${ws} ${code}`, message(err)));
        }
      }
    }
  return lines;
}
