// biome-ignore-all lint/suspicious/noExplicitAny: manifests are free-form YAML, checked by the schemas below
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the config syntax under test
/**
 * deploy/kubernetes: every object the base and the Alibaba Cloud overlay produce is validated against the
 * Kubernetes API's OpenAPI schemas (the kubernetes-models package carries them, so this works offline), and what
 * the manifests say about the bot is checked against the bot: commands and flags the CLI has, probe paths and ports
 * it serves, the config file it validates, the ${VAR} names the Secret must provide.
 *
 * The kustomizations use only resources, namespace, labels, images, configMapGenerator and strategic-merge patches;
 * render() below applies those the way kustomize does (without the ConfigMap name hash). Where kubectl is on the
 * PATH, `kubectl kustomize` renders both too and its output is validated the same way.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { parseConfig } from "../../src/config/load-config.js";

const ROOT = join(import.meta.dirname, "..", "..");
const K8S = join(ROOT, "deploy/kubernetes");
type Obj = Record<string, any>;

const MODELS: Record<string, { validate(): void } & (new (o: Obj) => { validate(): void })> = {
  "apps/v1/Deployment": Deployment,
  "v1/Service": Service,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Namespace": Namespace,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
} as never;

function validateAll(objects: Obj[]): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!Model) {
      problems.push(`${o.apiVersion}/${o.kind} ${o.metadata?.name}: no schema here (add its model)`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (e) {
      problems.push(`${o.kind} ${o.metadata?.name}: ${(e as Error).message}`);
    }
  }
  return problems;
}

const docs = (file: string): Obj[] =>
  parseAllDocuments(readFileSync(file, "utf8"))
    .map((d) => d.toJS() as Obj)
    .filter(Boolean);

/** Strategic merge as kustomize does it for these kinds: maps merge, lists of named items merge by name. */
function merge(base: any, patch: any): any {
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((p) => p && typeof p === "object" && "name" in p)) {
    const out = base.map((b) => {
      const p = patch.find((x) => x.name === b?.name);
      return p ? merge(b, p) : b;
    });
    return [...out, ...patch.filter((p) => !base.some((b) => b?.name === p.name))];
  }
  if (base && patch && typeof base === "object" && typeof patch === "object" && !Array.isArray(patch)) {
    const out = { ...base };
    for (const [k, v] of Object.entries(patch)) out[k] = k in base ? merge(base[k], v) : v;
    return out;
  }
  return patch;
}

function render(dir: string): Obj[] {
  const k = parseYaml(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as Obj;
  let objects: Obj[] = [];
  for (const r of k.resources ?? []) {
    const p = join(dir, r);
    objects.push(...(statSync(p).isDirectory() ? render(p) : docs(p)));
  }
  for (const g of k.configMapGenerator ?? []) {
    const data = Object.fromEntries(
      (g.files as string[]).map((f) => [basename(f), readFileSync(join(dir, f), "utf8")]),
    );
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: g.name }, data };
    objects = objects.filter((o) => !(o.kind === "ConfigMap" && o.metadata.name === g.name)).concat(cm);
  }
  for (const { path } of k.patches ?? []) {
    const patch = docs(join(dir, path))[0] as Obj;
    const i = objects.findIndex((o) => o.kind === patch.kind && o.metadata?.name === patch.metadata?.name);
    expect(i, `${path} patches an object of the base`).toBeGreaterThanOrEqual(0);
    objects[i] = merge(objects[i], patch);
  }
  for (const o of objects) {
    if (k.namespace && o.kind !== "Namespace") o.metadata.namespace = k.namespace;
    for (const l of k.labels ?? []) o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
    for (const c of o.spec?.template?.spec?.containers ?? [])
      for (const img of k.images ?? []) if (c.image === img.name) c.image = `${img.newName}:${img.newTag}`;
  }
  return objects;
}

const HELP = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "--help"], {
  encoding: "utf8",
}).stdout;

const byKind = (objects: Obj[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as Obj;

describe.each([
  ["base", join(K8S, "base")],
  ["overlays/alibaba-cloud", join(K8S, "overlays/alibaba-cloud")],
])("deploy/kubernetes/%s", (_name, dir) => {
  const objects = render(dir);
  const serve = byKind(objects, "Deployment", "dw-chatops-serve");
  const worker = byKind(objects, "Deployment", "dw-chatops-worker");
  const configMap = byKind(objects, "ConfigMap", "dw-chatops-config");
  const secret = docs(join(dir, "secret.example.yaml"))[0] as Obj;

  it("every object is valid against the Kubernetes API schemas (the example Secret too)", () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(
      expect.arrayContaining(["ConfigMap", "Deployment", "Deployment", "PodDisruptionBudget", "Service"]),
    );
    expect(validateAll([...objects, secret])).toEqual([]);
  });

  it("the validator refuses a broken manifest (it can fail)", () => {
    const broken = structuredClone(serve);
    broken.spec.template.spec.containers[0].ports[0].containerPort = "8080";
    delete broken.spec.selector;
    expect(validateAll([broken]).join("\n")).toMatch(/containerPort|selector/);
  });

  it("runs the CLI's commands: serve --no-workers and worker --metrics-port, as the image's non-root user", () => {
    const [s] = serve.spec.template.spec.containers;
    const [w] = worker.spec.template.spec.containers;
    expect(s.args).toEqual(["serve", "--no-workers"]);
    expect(w.args.slice(0, 2)).toEqual(["worker", "--metrics-port"]);
    for (const flag of ["serve", "--no-workers", "worker", "--metrics-port"]) expect(HELP).toContain(flag);
    for (const d of [serve, worker]) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(pod.containers[0].securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
      expect(pod.containers[0].resources.requests).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      // The selector picks this Deployment's pods only, and a PodDisruptionBudget covers them.
      expect(pod.metadata?.labels ?? d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
      const pdb = objects.find(
        (o) =>
          o.kind === "PodDisruptionBudget" &&
          JSON.stringify(o.spec.selector.matchLabels) === JSON.stringify(d.spec.selector.matchLabels),
      );
      expect(pdb, `${d.metadata.name} has a PodDisruptionBudget`).toBeDefined();
    }
  });

  it("probes and ports: /readyz and /healthz on the port each process listens on", () => {
    const config = parseYaml(configMap.data["dw-chatops.yaml"]) as Obj;
    const [s] = serve.spec.template.spec.containers;
    const [w] = worker.spec.template.spec.containers;
    const http = s.ports.find((p: Obj) => p.name === "http");
    expect(http.containerPort).toBe(config.server.port);
    expect(config.server.host).toBe("0.0.0.0");
    const metrics = w.ports.find((p: Obj) => p.name === "metrics");
    expect(String(metrics.containerPort)).toBe(w.args[2]);
    for (const [c, port] of [
      [s, "http"],
      [w, "metrics"],
    ] as const) {
      expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port });
      expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port });
    }
    const service = byKind(objects, "Service", "dw-chatops");
    expect(service.spec.ports[0].targetPort).toBe("http");
    expect(service.spec.selector).toEqual(serve.spec.selector.matchLabels);
  });

  it("the config validates, mounted where DW_CHATOPS_CONFIG points; the Secret's keys are its ${VAR} names", () => {
    const yaml = configMap.data["dw-chatops.yaml"] as string;
    const values = JSON.stringify(parseYaml(yaml)); // the values, not the comments
    const vars = [...new Set([...values.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string))];
    // REDIS_URL: read by the bot itself when redis.url is unset (docs/configuration.md).
    expect(Object.keys(secret.stringData).sort()).toEqual([...vars, "REDIS_URL"].sort());
    const config = parseConfig(parseYaml(yaml), secret.stringData);
    expect(config.redis.url).toBe(secret.stringData.REDIS_URL);
    for (const d of [serve, worker]) {
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      expect(c.envFrom).toEqual([{ secretRef: { name: secret.metadata.name } }]);
      const path = c.env.find((e: Obj) => e.name === "DW_CHATOPS_CONFIG").value as string;
      const mount = c.volumeMounts.find((m: Obj) => m.mountPath === dirname(path));
      const volume = pod.volumes.find((v: Obj) => v.name === mount.name);
      expect(volume.configMap.name).toBe(configMap.metadata.name);
      expect(Object.keys(configMap.data)).toContain(basename(path));
    }
  });

  const kubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" }).status === 0;
  it.skipIf(!kubectl)("kubectl kustomize renders it, and every object it renders is valid", () => {
    const r = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const rendered = parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
    expect(validateAll(rendered)).toEqual([]);
    // Same objects as render() above, the ConfigMap name hash aside.
    const names = (os: Obj[]) => os.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, "")}`).sort();
    expect(names(rendered)).toEqual(names(objects));
  });
});
