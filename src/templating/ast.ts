/** The few fields of a Handlebars AST node the start-up checks read. */
export interface AstNode {
  type?: string;
  path?: { type?: string; original?: unknown };
  params?: unknown[];
  hash?: unknown;
  loc?: { start?: { line?: number } };
  [k: string]: unknown;
}

/**
 * Visit every node of a Handlebars AST depth first. `visit` returns "skip" to not descend into a node;
 * keys in `skip` (and `loc`, `path`) are never descended into.
 */
export function walkAst(
  ast: unknown,
  visit: (n: AstNode) => "skip" | undefined,
  skip: ReadonlySet<string> = new Set(),
): void {
  const go = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) go(child);
      return;
    }
    if (!node || typeof node !== "object") return;
    const n = node as AstNode;
    if (visit(n) === "skip") return;
    for (const [k, v] of Object.entries(n)) if (k !== "loc" && k !== "path" && !skip.has(k)) go(v);
  };
  go(ast);
}

export const lineOf = (n: AstNode) => n.loc?.start?.line ?? 1;
