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
 * `lazy`: each locale's files are read now (what is installed at start-up is what renders) and parsed when the
 * locale is first looked up. A lazy file that does not parse is skipped with a process warning, once: a lookup never
 * throws (the fallback message translates too). Eager loading throws instead, naming the file, as start-up must.
 */
export function loadMessages(dirs: readonly string[], locales: readonly string[], lazy = false): Messages {
  const messages: Messages = {};
  for (const locale of locales) {
    const files = readCatalogFiles(dirs, locale);
    if (!lazy) {
      messages[locale] = parseCatalog(files, (err) => {
        throw err;
      });
      continue;
    }
    let catalog: Catalog | undefined;
    Object.defineProperty(messages, locale, {
      enumerable: true,
      get: () => {
        catalog ??= parseCatalog(files, (err) => process.emitWarning(err.message, "LocaleCatalogWarning"));
        return catalog;
      },
    });
  }
  return messages;
}

function readCatalogFiles(dirs: readonly string[], locale: string): { file: string; text: string }[] {
  const files: { file: string; text: string }[] = [];
  for (const dir of dirs) {
    const file = join(dir, "locales", `${locale}.yaml`);
    try {
      files.push({ file, text: readFileSync(file, "utf8") });
    } catch {
      // No catalog for this locale in this directory.
    }
  }
  return files;
}

function parseCatalog(files: readonly { file: string; text: string }[], onError: (err: Error) => void): Catalog {
  const catalog: Catalog = {};
  for (const { file, text } of files) {
    try {
      flatten(parseYaml(text), "", catalog);
    } catch (err) {
      // A broken locale file must fail start-up naming the file, like a broken template.
      onError(new Error(`${file}: ${(err as Error).message.split("\n")[0]}`));
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
