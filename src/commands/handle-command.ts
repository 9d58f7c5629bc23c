import type { CommandEvent, CommandReply, OnCommand } from "../core/chat-adapter.js";
import { destinationFor, refusal } from "./authorize.js";
import type { CommandDeps } from "./context.js";
import { execute } from "./execute.js";
import { parseCommand } from "./parse.js";
import { errorMessage, parseErrorMessage, translator } from "./reply.js";

/**
 * THE entry point for commands from any platform: transports only strip their command word or mention and
 * call this with the rest of the line. Parses, checks channel and role, runs, and always answers with a
 * neutral message (never throws, never shows a stack trace).
 */
export function createCommandHandler(deps: CommandDeps): OnCommand {
  const { config, templates } = deps;
  const answer = async (ev: CommandEvent): Promise<CommandReply> => {
    const destination = ev.destination ?? destinationFor(config, ev.adapter, ev.channel);
    const parsed = parseCommand(ev.text);
    const locale =
      parsed.locale ??
      (destination ? config.destinations[destination]?.locale : undefined) ??
      config.templates.defaultLocale;
    const t = translator(templates.messages, locale);
    const reply = (r: CommandReply): CommandReply => ({ ...r, notPrivate: t("notPrivate") });
    const log = deps.logger.child({
      component: "commands",
      adapter: ev.adapter,
      user: ev.user.id,
      channel: ev.channel,
    });
    if (!config.commands.enabled) return reply({ message: errorMessage(t, locale, t("refused.disabled"), null) });
    if (!parsed.ok) {
      log.info({ error: parsed.error.key }, "command not understood");
      return reply({ message: parseErrorMessage(t, locale, parsed.error) });
    }
    const name = parsed.command.name;
    const why = refusal(config, name, { ...ev, ...(destination ? { destination } : {}) }, (deps.now ?? Date.now)());
    if (why) {
      log.info({ command: name, refused: why }, "command refused");
      return reply({ message: errorMessage(t, locale, t(`refused.${why}`), null) });
    }
    try {
      const now = (deps.now ?? Date.now)();
      const done = await execute({ deps, event: ev, locale, t, now }, parsed.command);
      log.info({ command: name }, "command answered");
      return reply({ message: done.message, share: parsed.share || done.share === true });
    } catch (err) {
      log.error({ err, command: name }, "command failed");
      return reply({ message: errorMessage(t, locale, t("error.internal"), null) });
    }
  };
  return (ev) =>
    answer(ev).catch((err: unknown) => {
      // Only a bug gets here (parsing and authorization do no I/O); still answer, in the default language.
      deps.logger.error({ err, adapter: ev.adapter }, "command failed");
      const locale = config.templates.defaultLocale;
      const t = translator(templates.messages, locale);
      return { message: errorMessage(t, locale, t("error.internal"), null) };
    });
}
