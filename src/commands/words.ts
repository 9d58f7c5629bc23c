import type { CommandName } from "./parse.js";

/** Command words in English and Chinese; a Chinese word also answers in Chinese. */
/** Lookup tables without a prototype: "constructor" or "__proto__" typed in chat is no command word. */
const table = <T>(entries: Record<string, T>): Readonly<Record<string, T>> =>
  Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));

export const WORDS: Readonly<Record<string, CommandName>> = table({
  recent: "recent",
  events: "recent",
  最近: "recent",
  最近事件: "recent",
  事件: "recent",
  show: "show",
  查看: "show",
  详情: "show",
  pending: "pending",
  待审批: "pending",
  approve: "approve",
  批准: "approve",
  通过: "approve",
  block: "block",
  reject: "block",
  拒绝: "block",
  驳回: "block",
  audit: "audit",
  审计: "audit",
  审批记录: "audit",
  mute: "mute",
  静音: "mute",
  屏蔽: "mute",
  mutes: "mutes",
  静音列表: "mutes",
  unmute: "unmute",
  取消静音: "unmute",
  解除静音: "unmute",
  help: "help",
  "?": "help",
  帮助: "help",
});

export const KEYS: Readonly<Record<string, "type" | "status" | "workspace" | "since" | "by">> = table({
  type: "type",
  types: "type",
  event: "type",
  类型: "type",
  事件类型: "type",
  status: "status",
  state: "status",
  状态: "status",
  workspace: "workspace",
  ws: "workspace",
  project: "workspace",
  工作空间: "workspace",
  项目: "workspace",
  since: "since",
  last: "since",
  within: "since",
  时间: "since",
  最近: "since",
  by: "by",
  操作人: "by",
  审批人: "by",
});
