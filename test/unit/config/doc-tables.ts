/**
 * Reads docs/configuration.md the way its tests need it: the rows of the key tables (tables whose header
 * starts with "| Key |") and the headings that name a key (`## \`server\``).
 */
export interface DocRow {
  /** The key path as written, e.g. `destinations.<name>.channel`. */
  path: string;
  /** The Default cell, trimmed. */
  default: string;
  /** The last cell (what the key does), trimmed. */
  description: string;
  line: number;
}

export interface DocKeys {
  rows: DocRow[];
  /** Key paths named in headings, with their line. */
  headings: Array<{ path: string; line: number }>;
}

/** Split a markdown table row on the pipes that are not escaped (`\|` stays inside a cell). */
function cells(line: string): string[] {
  return line
    .trim()
    .replace(/^\||\|$/g, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

export function readDocKeys(markdown: string): DocKeys {
  const rows: DocRow[] = [];
  const headings: DocKeys["headings"] = [];
  let inKeyTable = false;
  markdown.split("\n").forEach((line, i) => {
    const heading = /^#{2,4} `([^`]+)`/.exec(line);
    if (heading) headings.push({ path: heading[1] as string, line: i + 1 });
    if (!line.startsWith("|")) {
      inKeyTable = false;
      return;
    }
    const c = cells(line);
    if (c[0] === "Key") {
      inKeyTable = true;
      return;
    }
    const key = /^`([^`]+)`$/.exec(c[0] ?? "");
    if (inKeyTable && key)
      rows.push({ path: key[1] as string, default: c[2] ?? "", description: c.at(-1) ?? "", line: i + 1 });
  });
  return { rows, headings };
}

/** A documented path as a pattern over schema paths: any `<placeholder>` stands for one key (or `<name>`). */
export function docPathPattern(docPath: string): RegExp {
  // A heading such as `approvals.routes[]` documents the list `approvals.routes`.
  const parts = docPath
    .replace(/\[\]$/, "")
    .split(/(<[^>]+>)/)
    .map((p) => (p.startsWith("<") ? "(?:<[^>]+>|[A-Za-z0-9_-]+)" : p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  return new RegExp(`^${parts.join("")}$`);
}
