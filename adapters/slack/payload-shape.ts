/**
 * What reaches Bolt: only the three kinds of request this bot listens to, in the shape Slack sends them
 * (docs.slack.dev reference: block_actions and view_submission payloads, slash command parameters). Anything
 * else verified but not ours is acknowledged at once (Slack would retry a 5xx); a payload of ours that is
 * malformed is a 400 — it would otherwise throw inside Bolt and answer 500.
 */
type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === "string";

export type SlackShape = "dispatch" | "ignore" | "malformed";

export function slackShape(body: Json): SlackShape {
  if ("command" in body) {
    const ok =
      isStr(body.command) &&
      isStr(body.user_id) &&
      isStr(body.channel_id) &&
      (body.text === undefined || isStr(body.text));
    return ok ? "dispatch" : "malformed";
  }
  if (body.type === "block_actions") {
    const ok =
      isObj(body.user) &&
      isStr(body.user.id) &&
      Array.isArray(body.actions) &&
      body.actions.length > 0 &&
      body.actions.every((a) => isObj(a) && isStr(a.action_id) && isStr(a.type ?? "")) &&
      (body.trigger_id === undefined || isStr(body.trigger_id));
    return ok ? "dispatch" : "malformed";
  }
  if (body.type === "view_submission") {
    const v = body.view;
    const ok =
      isObj(body.user) && isStr(body.user.id) && isObj(v) && isStr(v.id) && isStr(v.callback_id) && isObj(v.state);
    return ok ? "dispatch" : "malformed";
  }
  return "ignore";
}
