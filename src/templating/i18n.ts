import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";

export type Catalog = Record<string, string>;
export type Messages = Record<string, Catalog>;

/** Flatten nested YAML ({instance: {failed: "…"}}) into dotted keys ("instance.failed"). */
function flatten(node: unknown, prefix: string, out: Catalog): Catalog {
  if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (node !== undefined && node !== null) {
    out[prefix] = String(node);
  }
  return out;
}

/**
 * Load templates/locales/<locale>.yaml for each locale; a user dir's entries override built-ins key by key.
 * `lazy`: each locale's files are read when it is first looked up (a one-shot render reads one locale).
 */
export function loadMessages(dirs: readonly string[], locales: readonly string[], lazy = false): Messages {
  const messages: Messages = {};
  for (const locale of locales) {
    if (!lazy) {
      messages[locale] = loadCatalog(dirs, locale);
      continue;
    }
    let catalog: Catalog | undefined;
    Object.defineProperty(messages, locale, {
      enumerable: true,
      get: () => {
        catalog ??= loadCatalog(dirs, locale);
        return catalog;
      },
    });
  }
  return messages;
}

function loadCatalog(dirs: readonly string[], locale: string): Catalog {
  const catalog: Catalog = {};
  for (const dir of dirs) {
    const file = join(dir, "locales", `${locale}.yaml`);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    try {
      flatten(parseYaml(text), "", catalog);
    } catch (err) {
      // A broken locale file must fail start-up naming the file, like a broken template.
      throw new Error(`${file}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  return catalog;
}

const PLACEHOLDER = /\{(\w+)\}/g;

/** Look a key up in the locale, then English, then show the key itself (never throws at run time). */
export function translate(
  messages: Messages,
  locale: string,
  key: string,
  params: Record<string, unknown> = {},
): string {
  const template = messages[locale]?.[key] ?? messages.en?.[key] ?? key;
  // Most messages have no placeholder: no regex run, no closure.
  if (!template.includes("{")) return template;
  return template.replace(PLACEHOLDER, (whole, name: string) => (name in params ? String(params[name] ?? "") : whole));
}
