import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The bundled samples go to a data directory once: its first start sends them, later starts do not (the local
 * Redis keeps what they made, so each restart would add two more pending approvals). `<dataDir>/samples-sent`
 * records it; it is created exclusively, so two processes starting together do not both send.
 */
export function claimFirstStart(dataDir: string): boolean {
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(samplesMarker(dataDir), `${new Date().toISOString()}\n`, { flag: "wx" });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** None of the samples arrived: the next start tries again. */
export function releaseFirstStart(dataDir: string): void {
  rmSync(samplesMarker(dataDir), { force: true });
}

export function samplesMarker(dataDir: string): string {
  return join(dataDir, "samples-sent");
}
