import { createRequire } from "node:module";
import type * as Lark from "@larksuiteoapi/node-sdk";

let loaded: typeof Lark | undefined;
let axios: typeof import("axios") | undefined;

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

/**
 * The axios the SDK itself loaded (required from the SDK's own path, so the same module): the errors of our HTTP
 * instance are its AxiosError, which the SDK's error formatting tests with instanceof.
 */
export function larkAxios(): typeof import("axios") {
  if (!axios) {
    const sdkPath = createRequire(import.meta.url).resolve("@larksuiteoapi/node-sdk");
    axios = createRequire(sdkPath)("axios") as typeof import("axios");
  }
  return axios;
}

/** The User-Agent the SDK's default instance adds where a call gives none (its token requests). */
export function larkSdkUserAgent(): string {
  const pkg = createRequire(import.meta.url)("@larksuiteoapi/node-sdk/package.json") as { version?: string };
  return `oapi-node-sdk/${pkg.version ?? "unknown"}`;
}
