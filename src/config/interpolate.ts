/**
 * Replace `${VAR}` and `${VAR:-default}` in every string of a parsed YAML tree. `$${` stays literal.
 * Problems name the key path and the variable, never its value; `unset` gets the path of each value that named
 * an unset variable (its other problems are this one).
 */
export function interpolateEnv(
  node: unknown,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
  path = "",
  unset?: PropertyKey[][],
  keys: readonly PropertyKey[] = [],
): unknown {
  if (typeof node === "string") {
    const before = problems.length;
    const out = interpolateString(node, env, problems, path);
    if (problems.length > before) unset?.push([...keys]);
    return out;
  }
  if (Array.isArray(node))
    return node.map((v, i) => interpolateEnv(v, env, problems, `${path}[${i}]`, unset, [...keys, i]));
  if (node && typeof node === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node))
      out[k] = interpolateEnv(v, env, problems, path ? `${path}.${k}` : k, unset, [...keys, k]);
    return out;
  }
  return node;
}

function interpolateString(
  s: string,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
  path: string,
) {
  return s.replace(
    /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (whole, escaped, name: string, def?: string) => {
      if (escaped) return whole.slice(1);
      const v = env[name];
      if (v !== undefined && v !== "") return v;
      if (def !== undefined) return def;
      problems.push(`${path || "(root)"}: environment variable ${name} is ${v === "" ? "set but empty" : "not set"}`);
      return "";
    },
  );
}
