import { createRequire } from "node:module";
import type * as Lark from "@larksuiteoapi/node-sdk";

let loaded: typeof Lark | undefined;

/**
 * The Lark SDK, loaded the first time a Lark client or long connection is built, not when this adapter's module is
 * imported: the SDK (a 6 MB bundle, with axios and protobufjs) adds ~57 MiB of RSS to a process, which a bot with no
 * Lark app or destination should not pay (docs/benchmarks.md). `require` of the package's CJS entry is the module
 * Node's ESM import of it gave before.
 */
export function larkSdk(): typeof Lark {
  loaded ??= createRequire(import.meta.url)("@larksuiteoapi/node-sdk") as typeof Lark;
  return loaded;
}
