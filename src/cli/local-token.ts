import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * With no config file the bot still authenticates ingest: a random token is generated once, kept in
 * <dataDir>/ingest-token (mode 0600), and `dw-chatops replay` reads it from there.
 */
export function localIngestToken(dataDir: string): string {
  const file = join(dataDir, "ingest-token");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString("base64url");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

export function localTokenPath(dataDir: string): string {
  return join(dataDir, "ingest-token");
}
