import type { FakeDataWorks } from "../fakes/dataworks-api.js";

/** A failed scheduled instance as DataWorks sends it (instance-status-changes fixture shape), with its own ids. */
export function failedInstance(instanceId: number, nodeId = 700001234003, status = 5): Record<string, unknown> {
  return {
    datacontenttype: "application/json;charset=utf-8",
    data: {
      eventCode: "instance-status-changes",
      appId: 91234,
      tenantId: 28378123410656,
      nodeId,
      taskId: instanceId,
      status,
      beginRunningTime: Date.now() - 60_000,
      finishTime: Date.now(),
    },
    id: crypto.randomUUID(),
    source: "acs.dataworks",
    specversion: "1.0",
    subject: "",
    time: new Date().toISOString(),
    type: "dataworks:InstanceStatusChanges:InstanceStatusChanges",
    aliyunaccountid: "1234567890981234",
    aliyunregionid: "cn-shanghai",
  };
}

/** The pre-event DataWorks publishes before a rerun (pre-rerun-instance fixture shape) for these instances. */
export function preRerun(instanceIds: number[], operator = "1938274650735"): Record<string, unknown> {
  return {
    datacontenttype: "application/json;charset=utf-8",
    data: {
      eventCode: "pre-rerun-instance",
      extensionBizId: crypto.randomUUID().replace(/-/g, ""),
      extensionBizName: "ods_order_detail_di",
      projectId: 91234,
      taskIds: instanceIds,
      tenantId: 28378123410656,
      operator,
    },
    id: crypto.randomUUID(),
    source: "acs.dataworks",
    specversion: "1.0",
    subject: "",
    time: new Date().toISOString(),
    type: "dataworks:InstanceChange:PreRerunInstance",
    aliyunaccountid: "1234567890981234",
    aliyunregionid: "cn-shanghai",
  };
}

/**
 * The parts of a bot config the incident tests share: failures routed to `destinations` with buttons (who may press
 * them per platform, Mark success only for the leads), reruns from the Operation Center needing approval, and
 * DataWorks at the fake (bindings not checked: every extension event is ours).
 */
export function incidentConfig(
  dw: FakeDataWorks,
  keys: { accessKeyId: string; accessKeySecret: string },
  destinations: string[],
  people: { operators: Record<string, string[]>; leads: Record<string, string[]> },
) {
  return {
    dataworks: {
      ...dw.botConfig({ ...keys, extensionCode: "ext-incidents" }),
      bindings: { check: false },
    },
    enrich: { enabled: false },
    routes: [
      {
        name: "failures",
        match: { type: ["dataworks:InstanceStatusChanges:InstanceStatusChanges"], data: { status: [5] } },
        destinations,
        actions: { users: people.operators, roles: { "set-success": { users: people.leads } } },
      },
    ],
    approvals: {
      deliveryBackoff: "50ms",
      deliveryAttempts: 4,
      routes: [
        {
          name: "reruns",
          match: { type: ["dataworks:InstanceChange:PreRerunInstance"] },
          destinations,
          approvers: { users: people.leads },
        },
      ],
    },
  };
}
