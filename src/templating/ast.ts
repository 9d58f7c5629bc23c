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
    // for…in, not Object.entries: no pair array per node (the parser's nodes are plain objects, nothing inherited).
    for (const k in n) if (k !== "loc" && k !== "path" && !skip.has(k)) go(n[k]);
  };
  go(ast);
}

export const lineOf = (n: AstNode) => n.loc?.start?.line ?? 1;

/** A place where Handlebars may call a helper: a mustache, block or sub-expression with a path. */
export interface HelperCall {
  /** The path as written (`t`, `data.x`). */
  name: string;
  /**
   * A one-part path (no `this`/`.`, no `../`): Handlebars' simpleId, which calls a helper of that name when there is
   * one, even bare (`{{name}}`); `head` is that part.
   */
  simple: boolean;
  head: string;
  /** With parameters or a hash: a call whatever the path. */
  args: boolean;
  line: number;
}

export function helperCalls(ast: unknown): HelperCall[] {
  const found: HelperCall[] = [];
  walkAst(ast, (n) => {
    if (n.type !== "MustacheStatement" && n.type !== "SubExpression" && n.type !== "BlockStatement") return undefined;
    const p = n.path as { type?: string; parts?: unknown[]; depth?: number; original?: unknown } | undefined;
    if (p?.type !== "PathExpression") return undefined;
    const name = String(p.original);
    found.push({
      name,
      simple: p.parts?.length === 1 && !p.depth && !/^\.|this\b/.test(name),
      head: String(p.parts?.[0]),
      args: (n.params?.length ?? 0) > 0 || Boolean(n.hash),
      line: lineOf(n),
    });
    return undefined;
  });
  return found;
}
