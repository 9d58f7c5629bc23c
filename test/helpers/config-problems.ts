import { parseConfig } from "../../src/config/load-config.js";
import { ConfigError } from "../../src/core/errors.js";

/** The problems parseConfig reports for `raw` ([] when it parses); an error that is not a ConfigError is thrown. */
export function configProblems(raw: Record<string, unknown>, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(raw, env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}
