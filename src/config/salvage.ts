import type { z } from "zod";
import { keyPath } from "./issue-words.js";
import { type Config, configSchema } from "./schema.js";
import { isRecord } from "../core/is-record.js";

/** Lists whose items are checked one by one: a broken item leaves a hole, so the others keep their indices. */
const LISTS: ReadonlyArray<readonly string[]> = [["routes"], ["approvals", "routes"], ["approvals", "policies"]];
const MAX_PASSES = 4;

type Path = readonly PropertyKey[];

export interface Salvaged {
  /** The config without its broken parts (broken list items are holes), for the cross-checks. */
  config: Config;
  /** Key paths taken out: cross-checks that read them are skipped (their problem is already reported). */
  broken: Set<string>;
}

/**
 * The rest of an invalid config, so the cross-checks can still run in the same pass: each part with a problem
 * (`brokenPaths`: schema issues and unset variables) is taken out (a destination, a list item, a section) and
 * the remainder validated again. Undefined when nothing sensible remains.
 */
export function salvage(
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
  brokenPaths: readonly Path[],
): Salvaged | undefined {
  if (!isRecord(value)) return undefined;
  const tree = structuredClone(value);
  const broken = new Set<string>();
  const holes = new Map<string, { list: readonly string[]; indices: Set<number> }>();
  const take = (path: Path): boolean => {
    if (!path.length) return false;
    for (const list of LISTS) {
      const index = path[list.length];
      if (list.every((k, i) => path[i] === k) && typeof index === "number") {
        const key = list.join(".");
        const entry = holes.get(key) ?? { list, indices: new Set<number>() };
        entry.indices.add(index);
        holes.set(key, entry);
        broken.add(keyPath([...list, index]));
        return true;
      }
    }
    const unit = path[0] === "destinations" || path[0] === "approvals" ? path.slice(0, 2) : path.slice(0, 1);
    const parent = valueAt(tree, unit.slice(0, -1));
    if (isRecord(parent)) delete parent[unit.at(-1) as string];
    broken.add(keyPath(unit));
    return true;
  };
  const takeIssue = (i: z.core.$ZodIssue, toOriginal: (p: Path) => Path): boolean => {
    const path = toOriginal(i.path);
    if (i.code !== "unrecognized_keys") return take(path);
    const obj = valueAt(tree, path);
    if (isRecord(obj)) for (const k of i.keys) delete obj[k];
    return true;
  };
  for (const p of brokenPaths) take(p);
  let pending: readonly z.core.$ZodIssue[] = issues;
  let toOriginal = (p: Path) => p;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    for (const i of pending) if (!takeIssue(i, toOriginal)) return undefined;
    const { candidate, kept } = withoutHoles(tree, holes);
    const r = configSchema.safeParse(candidate);
    if (r.success) return { config: restoreHoles(r.data, holes, kept), broken };
    pending = r.error.issues;
    toOriginal = (p) => {
      for (const list of LISTS) {
        const index = p[list.length];
        const k = kept.get(list.join("."));
        if (k && list.every((key, i) => p[i] === key) && typeof index === "number")
          return [...list, k[index] ?? index, ...p.slice(list.length + 1)];
      }
      return p;
    };
  }
  return undefined;
}

/** The tree with each list's broken items removed, and the original index of every item kept. */
function withoutHoles(
  tree: Record<string, unknown>,
  holes: Map<string, { list: readonly string[]; indices: Set<number> }>,
): { candidate: unknown; kept: Map<string, number[]> } {
  const candidate = structuredClone(tree);
  const kept = new Map<string, number[]>();
  for (const [key, { list, indices }] of holes) {
    const arr = valueAt(candidate, list);
    if (!Array.isArray(arr)) continue;
    const keep = arr.map((_, i) => i).filter((i) => !indices.has(i));
    kept.set(key, keep);
    const parent = valueAt(candidate, list.slice(0, -1));
    if (isRecord(parent)) parent[list.at(-1) as string] = keep.map((i) => arr[i]);
  }
  return { candidate, kept };
}

/** Put each kept item back at its original index (broken ones stay holes: forEach skips them). */
function restoreHoles(
  config: Config,
  holes: Map<string, { list: readonly string[]; indices: Set<number> }>,
  kept: Map<string, number[]>,
): Config {
  for (const [key, { list }] of holes) {
    const parsed = valueAt(config, list);
    const keep = kept.get(key);
    if (!Array.isArray(parsed) || !keep) continue;
    const sparse: unknown[] = [];
    keep.forEach((orig, j) => {
      sparse[orig] = parsed[j];
    });
    const parent = valueAt(config, list.slice(0, -1));
    if (isRecord(parent)) parent[list.at(-1) as string] = sparse;
  }
  return config;
}

/** The value at a key path of a parsed YAML tree (undefined where the path leads nowhere). */
export function valueAt(node: unknown, path: Path): unknown {
  let cur = node;
  for (const k of path)
    cur = isRecord(cur) || Array.isArray(cur) ? (cur as Record<PropertyKey, unknown>)[k] : undefined;
  return cur;
}
