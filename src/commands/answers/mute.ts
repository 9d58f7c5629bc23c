import { nameOf } from "../../access/people.js";
import { formatDuration, formatTime } from "../../templating/format.js";
import type { Answer, CommandContext } from "../context.js";
import { describeFilter, type EventFilter, shortDuration } from "../filter.js";
import type { Mute } from "../mutes.js";
import { addList, errorMessage, message } from "../reply.js";

const MUTED = "🔇";

export async function mute(c: CommandContext, filter: EventFilter, durationMs: number, reason?: string): Answer {
  const max = c.deps.config.commands.maxMute;
  if (durationMs > max)
    return { message: errorMessage(c.t, c.locale, c.t("error.muteTooLong", { max: shortDuration(max) }), "mute") };
  const m = await c.deps.mutes.add(
    { filter, ...(reason ? { reason } : {}), by: { platform: c.event.adapter, ...userOf(c) } },
    durationMs,
  );
  const msg = message("mute", c.locale, c.t("mute.done", { id: m.id }), "warning");
  msg.fields.push(...muteFields(c, m));
  msg.context.push(c.t("mute.notApprovals"), c.t("mute.undo", { id: m.id }));
  // Everyone in the channel should know their notifications went quiet, and who did it.
  return { message: msg, share: true };
}

export async function mutes(c: CommandContext): Answer {
  const list = await c.deps.mutes.active();
  const counts = await c.deps.mutes.counts(list.map((m) => m.id));
  const msg = message("mutes", c.locale, c.t("mutes.title", { count: list.length }));
  if (!list.length) msg.sections.push({ text: c.t("mutes.none") });
  const shown = addList(
    msg,
    list.map((m) =>
      [
        `${MUTED} ${m.id} · ${describeFilter(m.filter)}`,
        `${c.t("mute.until")}: ${until(c, m)} · ${c.t("mute.by")}: ${nameOf(m.by)} · ${c.t("mute.silenced", { count: counts.get(m.id) ?? 0 })}`,
        ...(m.reason ? [`${c.t("mute.reason")}: ${m.reason}`] : []),
      ].join("\n"),
    ),
  );
  if (shown < list.length) msg.context.push(c.t("list.more", { count: list.length - shown }));
  return { message: msg };
}

export async function unmute(c: CommandContext, id: string): Answer {
  const m = await c.deps.mutes.remove(id);
  if (!m) return { message: errorMessage(c.t, c.locale, c.t("error.unknownMute", { id }), "unmute") };
  const count = (await c.deps.mutes.counts([m.id])).get(m.id) ?? 0;
  const msg = message("unmute", c.locale, c.t("unmute.done", { id }), "success");
  msg.fields.push(...muteFields(c, m).filter((f) => f.label !== c.t("mute.until")));
  msg.context.push(c.t("mute.silenced", { count }));
  return { message: msg, share: true };
}

function muteFields(c: CommandContext, m: Mute) {
  return [
    { label: c.t("mute.filter"), value: describeFilter(m.filter) },
    { label: c.t("mute.until"), value: until(c, m) },
    ...(m.reason ? [{ label: c.t("mute.reason"), value: m.reason }] : []),
  ];
}

function until(c: CommandContext, m: Mute): string {
  const left = formatDuration(Math.max(0, m.until - c.now), c.locale);
  return `${formatTime(m.until, c.deps.config.templates.timeZone)} (${c.t("pending.left", { left })})`;
}

function userOf(c: CommandContext): { userId: string; name?: string } {
  return { userId: c.event.user.id, ...(c.event.user.name ? { name: c.event.user.name } : {}) };
}
