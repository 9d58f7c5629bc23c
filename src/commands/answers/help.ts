import type { Answer, CommandContext } from "../context.js";
import { COMMAND_NAMES, type CommandName } from "../parse.js";
import { message } from "../reply.js";

export async function help(c: CommandContext, topic?: CommandName): Answer {
  const m = message("help", c.locale, c.t("help.title"));
  const names = topic ? [topic] : COMMAND_NAMES;
  m.sections.push({
    text: names.map((n) => `${c.t(`usage.${n}`)}\n    ${c.t(`help.${n}`)}`).join("\n"),
    style: "code",
  });
  if (topic && topic !== "help")
    m.sections.push({ title: c.t("help.examples"), text: c.t(`example.${topic}`), style: "code" });
  if (!topic) m.context.push(c.t("help.filters"), c.t("help.share"));
  return { message: m };
}
