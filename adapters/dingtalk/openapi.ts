import { type DingTalkFailure, dingTalkDeliveryError } from "./errors.js";
import { isFailure, type JsonResult, requestJson } from "./http.js";

export interface DingTalkAppConfig {
  clientId: string;
  clientSecret: string;
  /** Defaults to clientId: an internal app's robot code is its AppKey. */
  robotCode?: string;
  /** https://api.dingtalk.com (new gateway), or a proxy / test fake. */
  apiUrl: string;
  /** https://oapi.dingtalk.com: the older API, the only one that reads a user by staff id (user lookups). */
  oapiUrl?: string;
  /** Interactive card template for messages with buttons (approval cards). */
  cardTemplateId?: string;
  /** Stream mode for clicks and @bot messages (default on); gateway base URL defaults to apiUrl. */
  stream?: boolean;
  streamUrl?: string;
  /** Our organisation: callbacks naming another one are refused (staff ids are unique only within one). */
  corpId?: string;
}

/** Refresh this long before DingTalk's expireIn (7200 s) runs out, so no call races the expiry. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

interface Opts {
  destination: string;
  timeoutMs: number;
  now: () => number;
  signal?: AbortSignal;
}

/**
 * The app robot over the DingTalk OpenAPI: POST /v1.0/oauth2/accessToken {appKey, appSecret} → {accessToken,
 * expireIn}, cached and shared by concurrent sends; every call sends it as x-acs-dingtalk-access-token.
 * Errors are HTTP 4xx/5xx with {code, message}.
 */
export class DingTalkOpenApi {
  private token?: { value: string; refreshAt: number };
  private pending?: Promise<string>;
  tokenFetches = 0;
  private readonly app: DingTalkAppConfig;

  constructor(app: DingTalkAppConfig) {
    this.app = app;
  }

  get robotCode(): string {
    return this.app.robotCode ?? this.app.clientId;
  }

  /** Call an endpoint; on 401 drop the token and try once more with a fresh one. */
  async call(method: string, path: string, body: unknown, what: string, o: Opts): Promise<Record<string, unknown>> {
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken(o);
      const res = await requestJson(
        `${this.app.apiUrl}${path}`,
        { method, headers: { "x-acs-dingtalk-access-token": token }, body },
        o,
      );
      if (isFailure(res)) throw dingTalkDeliveryError(res, o.destination, what);
      if (res.status >= 200 && res.status < 300) return res.body;
      if (res.status === 401 && attempt === 1) {
        this.invalidate(token);
        continue;
      }
      throw dingTalkDeliveryError(failure(res), o.destination, what);
    }
  }

  /**
   * A call to the older API (oapiUrl): the same app access token, as the access_token query parameter; errors
   * are HTTP 200 with errcode ≠ 0. Failures never quote the URL (it holds the token).
   */
  async oapi(path: string, body: unknown, what: string, o: Opts): Promise<Record<string, unknown>> {
    const base = this.app.oapiUrl ?? "https://oapi.dingtalk.com";
    for (let attempt = 1; ; attempt++) {
      const token = await this.accessToken(o);
      const url = `${base}${path}?access_token=${encodeURIComponent(token)}`;
      const res = await requestJson(url, { method: "POST", body }, o);
      if (isFailure(res)) throw dingTalkDeliveryError(res, o.destination, what);
      const errcode = Number(res.body.errcode ?? 0);
      // 40014 / 42001: the token is not (or no longer) valid.
      if ((errcode === 40014 || errcode === 42001) && attempt === 1) {
        this.invalidate(token);
        continue;
      }
      if (res.status === 200 && errcode === 0) return res.body;
      throw dingTalkDeliveryError(failure(res), o.destination, what);
    }
  }

  private invalidate(token: string) {
    if (this.token?.value === token) this.token = undefined;
  }

  private async accessToken(o: Opts): Promise<string> {
    if (this.token && o.now() < this.token.refreshAt) return this.token.value;
    // Single flight: a burst of sends after expiry makes one token request, not one each.
    this.pending ??= this.fetchToken(o).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchToken(o: Opts): Promise<string> {
    this.tokenFetches++;
    const res = await requestJson(
      `${this.app.apiUrl}/v1.0/oauth2/accessToken`,
      { method: "POST", body: { appKey: this.app.clientId, appSecret: this.app.clientSecret } },
      o,
    );
    const what = "access token request";
    if (isFailure(res)) throw dingTalkDeliveryError(res, o.destination, what);
    const value = res.body.accessToken;
    const expireIn = Number(res.body.expireIn);
    if (res.status !== 200 || typeof value !== "string" || !value) {
      const f = failure(res);
      // Any 4xx here other than throttling means the app credentials are wrong.
      if (res.status >= 400 && res.status < 500 && res.status !== 429 && !/QpsLimit/.test(f.code ?? ""))
        f.message = `${f.message ?? "rejected"} (check dingtalk.clientId and dingtalk.clientSecret)`;
      throw dingTalkDeliveryError(f, o.destination, what);
    }
    const lifeMs = (Number.isFinite(expireIn) && expireIn > 0 ? expireIn : 7200) * 1000;
    this.token = { value, refreshAt: o.now() + Math.max(lifeMs - REFRESH_MARGIN_MS, lifeMs / 2) };
    return value;
  }
}

function failure(res: JsonResult): DingTalkFailure {
  const b = res.body;
  const code = typeof b.code === "string" ? b.code : b.errcode !== undefined ? String(b.errcode) : undefined;
  const message = typeof b.message === "string" ? b.message : typeof b.errmsg === "string" ? b.errmsg : undefined;
  return { status: res.status, code, message };
}
