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
 * locale is first looked up. A file that does not parse throws, naming it; only a built-in one (`dirs[0]`) met
 * lazily is skipped with a process warning instead, so that the bot's lookups, the fallback message's too, never
 * throw for a file the user cannot fix (the bot reads a user's locale files at start-up: TemplateEngine "yours").
 */
export function loadMessages(dirs: readonly string[], locales: readonly string[], lazy = false): Messages {
  const messages: Messages = {};
  for (const locale of locales) {
    const files = readCatalogFiles(dirs, locale);
    if (!lazy) {
      messages[locale] = parseCatalog(files, false);
      continue;
    }
    let catalog: Catalog | undefined;
    Object.defineProperty(messages, locale, {
      enumerable: true,
      get: () => {
        catalog ??= parseCatalog(files, true);
        return catalog;
      },
    });
  }
  return messages;
}

interface CatalogFile {
  file: string;
  text: string;
  builtIn: boolean;
}

function readCatalogFiles(dirs: readonly string[], locale: string): CatalogFile[] {
  const files: CatalogFile[] = [];
  dirs.forEach((dir, i) => {
    const file = join(dir, "locales", `${locale}.yaml`);
    try {
      files.push({ file, text: readFileSync(file, "utf8"), builtIn: i === 0 });
    } catch {
      // No catalog for this locale in this directory.
    }
  });
  return files;
}

/** `lazy`: parsed at a lookup, where a built-in file that does not parse is skipped with a warning (see above). */
function parseCatalog(files: readonly CatalogFile[], lazy: boolean): Catalog {
  const catalog: Catalog = {};
  for (const { file, text, builtIn } of files) {
    try {
      flatten(parseYaml(text), "", catalog);
    } catch (err) {
      // A broken locale file fails naming the file, like a broken template.
      const broken = new Error(`${file}: ${(err as Error).message.split("\n")[0]}`);
      if (!(lazy && builtIn)) throw broken;
      process.emitWarning(broken.message, "LocaleCatalogWarning");
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
