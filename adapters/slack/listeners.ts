import type { App } from "@slack/bolt";
import type { ActionEvent, CommandReply, InteractionHandlers } from "../../src/core/chat-adapter.js";
import { renderSlack } from "./render.js";

export interface SlackListenerOptions {
  /** The slash command as created in the Slack app (default "/dataworks"). */
  command?: string;
  /** The core's handlers, read at event time (listen() sets them after the App exists). */
  handlers(): Partial<InteractionHandlers>;
}

/**
 * A command answer that takes longer than this is acked with a short "working on it" and sent through
 * response_url instead (Slack: ack within 3 s; response_url stays valid 30 min for 5 uses — api.slack.com
 * /interactivity/slash-commands).
 */
const COMMAND_ANSWER_MS = 2_000;
const REASON_VIEW = "approval.block.reason";

/**
 * The one set of Bolt listeners for Approve/Block and incident buttons, the Block reason modal and the slash command. Both
 * receivers register it: the HTTP one (POST /slack/events) and Socket Mode, so a click or a command behaves the
 * same whichever way Slack delivered it; only what carries `ack()` differs (HTTP response vs envelope ack).
 */
export function registerSlackListeners(app: App, o: SlackListenerOptions): void {
  app.action(/^(approval\.(approve|block)|incident\.[a-z-]+)$/, async ({ ack, body, action, client }) => {
    await ack();
    const onAction = o.handlers().onAction;
    if (body.type !== "block_actions" || action.type !== "button" || !("action_id" in action) || !onAction) return;
    const channel = body.channel?.id ?? body.container?.channel_id;
    const ts = body.message?.ts ?? body.container?.message_ts;
    const ev: ActionEvent = {
      id: `${body.trigger_id}`,
      adapter: "slack",
      actionId: action.action_id,
      value: action.value,
      user: { id: body.user.id, name: body.user.name ?? body.user.username },
      ...(channel && ts ? { message: { adapter: "slack", destination: "", ids: { channel, ts } } } : {}),
    };
    const reply = await onAction(ev);
    if (reply.needsInput) {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: {
          type: "modal",
          callback_id: REASON_VIEW,
          private_metadata: JSON.stringify({ approvalId: action.value, channel }),
          title: { type: "plain_text", text: reply.needsInput.title.slice(0, 24) },
          submit: { type: "plain_text", text: "OK" },
          blocks: [
            {
              type: "input",
              block_id: "reason",
              label: { type: "plain_text", text: reply.needsInput.label.slice(0, 2000) },
              element: { type: "plain_text_input", action_id: "reason", multiline: true, max_length: 500 },
            },
          ],
        },
      });
      return;
    }
    if (channel) await client.chat.postEphemeral({ channel, user: body.user.id, text: reply.text });
  });

  app.view(REASON_VIEW, async ({ ack, body, view, client }) => {
    const meta = JSON.parse(view.private_metadata || "{}") as { approvalId?: string; channel?: string };
    const reason = view.state.values.reason?.reason?.value ?? "";
    const onAction = o.handlers().onAction;
    if (!onAction || !meta.approvalId) return ack();
    const reply = await onAction({
      id: body.view.id,
      adapter: "slack",
      actionId: "approval.block",
      value: meta.approvalId,
      input: reason,
      user: { id: body.user.id, name: body.user.name },
    });
    if (!reply.ok) return ack({ response_action: "errors", errors: { reason: reply.text } });
    await ack();
    if (meta.channel) await client.chat.postEphemeral({ channel: meta.channel, user: body.user.id, text: reply.text });
  });

  app.command(o.command ?? "/dataworks", async ({ command, ack, respond }) => {
    const onCommand = o.handlers().onCommand;
    if (!onCommand)
      return ack({ response_type: "ephemeral", text: "Commands are not enabled on this bot. / 此机器人未启用命令。" });
    const answer = onCommand({
      adapter: "slack",
      text: slackText(command.text ?? ""),
      user: { id: command.user_id, name: command.user_name },
      channel: command.channel_id,
    });
    const early = await Promise.race([answer, sleep(COMMAND_ANSWER_MS)]);
    if (early) return ack(commandPayload(early));
    // Said before the command is parsed, so its language is not known yet: both.
    await ack({ response_type: "ephemeral", text: "Working on it… / 处理中…" });
    await respond(commandPayload(await answer));
  });
}

/** The reply as a slash-command response: ephemeral unless the core asks to share it with the channel. */
function commandPayload(reply: CommandReply) {
  const { text, blocks } = renderSlack(reply.message);
  return { response_type: reply.share ? ("in_channel" as const) : ("ephemeral" as const), text, blocks };
}

/**
 * Slash-command text arrives with &, <, > as HTML entities, and with <@U123|name> for mentions when the
 * command escapes them; the core gets plain text, with a mention reduced to the user id.
 */
export function slackText(text: string): string {
  return text
    .replace(/<[@#]([A-Z0-9]+)(\|[^>]*)?>/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

const sleep = (ms: number) => new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref());
