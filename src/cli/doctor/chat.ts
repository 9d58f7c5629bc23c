/**
 * The chat platforms' credentials, checked with their plain HTTP APIs (src/cli must not import the adapters):
 *   Slack  auth.test; granted scopes from the `x-oauth-scopes` header every Web API answer carries (what the
 *          official SDK reports as response_metadata.scopes:
 *          https://docs.slack.dev/tools/node-slack-sdk/reference/web-api/interfaces/WebAPICallResult)
 *   Lark   tenant_access_token/internal, then GET /open-apis/bot/v3/info (bot.activate_status 2 = 租户启用, enabled:
 *          https://open.larkoffice.com/document/ukTMukTMukTM/uAjMxEjLwITMx4CMyETM)
 *          (https://open.feishu.cn/document/server-docs/authentication-management/access-token/tenant_access_token_internal)
 *   DingTalk  POST /v1.0/oauth2/accessToken (appKey = clientId) and the robotCode app-robot destinations need
 *          (https://open.dingtalk.com/document/orgapp/obtain-the-access_token-of-an-internal-app)
 */
import type { Config } from "../../config/schema.js";
import { type CheckLine, fail, fetchJson, message, ok, warn } from "./line.js";

export async function checkSlack(config: Readonly<Config>): Promise<CheckLine[]> {
  const s = config.slack;
  if (!s) return [];
  try {
    const r = await fetchJson(`${s.apiUrl}/auth.test`, {
      method: "POST",
      headers: { authorization: `Bearer ${s.token}` },
      timeoutMs: s.timeoutMs,
    });
    if (r.body.ok !== true)
      return [
        fail(
          "slack.auth",
          `auth.test answered ${String(r.body.error ?? `HTTP ${r.status}`)}`,
          "set slack.token to the app's Bot User OAuth Token (xoxb-…)",
        ),
      ];
    const lines = [
      ok(
        "slack.auth",
        `team ${String(r.body.team ?? r.body.team_id ?? "?")}, bot user ${String(r.body.user_id ?? "?")}`,
      ),
    ];
    const header = r.headers.get("x-oauth-scopes");
    if (header === null)
      return [
        ...lines,
        warn(
          "slack.scopes",
          "Slack did not say which scopes the token has",
          "check OAuth & Permissions → Bot Token Scopes",
        ),
      ];
    const granted = new Set(
      header
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
    );
    const needed: Array<[string, string, boolean]> = [["chat:write", "post and update messages", true]];
    if (s.recoverLostPosts) needed.push(["channels:history", "slack.recoverLostPosts looks for lost posts", true]);
    needed.push(["users:read", "display names instead of user ids", false]);
    for (const [scope, why, required] of needed) {
      if (granted.has(scope)) lines.push(ok(`slack.scope ${scope}`, why));
      else {
        const fix = `add ${scope} under OAuth & Permissions → Bot Token Scopes, then reinstall the app`;
        lines.push(
          required
            ? fail(`slack.scope ${scope}`, `missing (${why})`, fix)
            : warn(`slack.scope ${scope}`, `missing (${why})`, fix),
        );
      }
    }
    return lines;
  } catch (err) {
    return [fail("slack.auth", message(err), "check slack.apiUrl and the network")];
  }
}

function larkBase(domain: string): string {
  if (domain === "feishu") return "https://open.feishu.cn";
  if (domain === "lark") return "https://open.larksuite.com";
  return domain.replace(/\/+$/, "");
}

export async function checkLark(config: Readonly<Config>): Promise<CheckLine[]> {
  const l = config.lark;
  if (!l) return [];
  const base = larkBase(l.domain);
  try {
    const t = await fetchJson(`${base}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: "POST",
      body: { app_id: l.appId, app_secret: l.appSecret },
      timeoutMs: l.timeoutMs,
    });
    const token = t.body.tenant_access_token;
    if (t.body.code !== 0 || typeof token !== "string")
      return [
        fail(
          "lark.token",
          `tenant_access_token refused: ${String(t.body.msg ?? `HTTP ${t.status}`)}`,
          "set lark.appId / lark.appSecret from the app's Credentials & Basic Info page",
        ),
      ];
    const lines = [ok("lark.token", `app ${l.appId}`)];
    const b = await fetchJson(`${base}/open-apis/bot/v3/info`, {
      headers: { authorization: `Bearer ${token}` },
      timeoutMs: l.timeoutMs,
    });
    const bot = (b.body.bot ?? {}) as Record<string, unknown>;
    if (b.body.code !== 0)
      lines.push(
        fail(
          "lark.bot",
          `bot info refused: ${String(b.body.msg ?? b.status)}`,
          "enable the Bot capability of the app and publish a version",
        ),
      );
    else if (bot.activate_status !== 2)
      lines.push(
        fail(
          "lark.bot",
          `bot "${String(bot.app_name ?? "?")}" is not enabled (activate_status ${String(bot.activate_status)})`,
          "publish the app version and have the tenant admin enable it",
        ),
      );
    else lines.push(ok("lark.bot", `"${String(bot.app_name ?? "?")}" enabled`));
    if (l.transport === "http" && !l.encryptKey)
      lines.push(
        fail(
          "lark.encryptKey",
          "not set: card clicks over HTTP cannot be verified and are refused",
          "copy the Encrypt Key from Events & Callbacks → Encryption Strategy, or use lark.transport: ws",
        ),
      );
    return lines;
  } catch (err) {
    return [fail("lark.token", message(err), "check lark.domain and the network")];
  }
}

export async function checkDingTalk(config: Readonly<Config>): Promise<CheckLine[]> {
  const d = config.dingtalk;
  if (!d) return [];
  const lines: CheckLine[] = [];
  try {
    const r = await fetchJson(`${d.apiUrl}/v1.0/oauth2/accessToken`, {
      method: "POST",
      body: { appKey: d.clientId, appSecret: d.clientSecret },
      timeoutMs: d.timeoutMs,
    });
    if (typeof r.body.accessToken !== "string")
      return [
        fail(
          "dingtalk.token",
          `accessToken refused: ${String(r.body.message ?? r.body.code ?? `HTTP ${r.status}`)}`,
          "set dingtalk.clientId / clientSecret (Client ID and Client Secret of the app's Credentials page)",
        ),
      ];
    lines.push(ok("dingtalk.token", `app ${d.clientId}`));
  } catch (err) {
    return [fail("dingtalk.token", message(err), "check dingtalk.apiUrl and the network")];
  }
  const appRobot = Object.entries(config.destinations).filter(([, x]) => x.platform === "dingtalk" && x.conversationId);
  if (appRobot.length && !d.robotCode)
    lines.push(
      fail(
        "dingtalk.robot",
        `destinations ${appRobot.map(([n]) => n).join(", ")} post as the app robot but dingtalk.robotCode is not set`,
        "copy the RobotCode from the app's Robot page",
      ),
    );
  else if (d.robotCode) lines.push(ok("dingtalk.robot", `robotCode ${d.robotCode}`));
  return lines;
}
