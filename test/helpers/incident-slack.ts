/**
 * The Slack side of the incident tests: a failed instance posted to the bot and its message with the buttons, and
 * a signed click on one of them.
 */
import { expect } from "vitest";
import type { FakeDataWorks } from "../fakes/dataworks-api.js";
import type { FakeSlack, SlackMessage } from "../fakes/slack-api.js";
import type { TestBot } from "./bot.js";
import { failedInstance } from "./incident-config.js";
import { blockAction, form, slackHeaders } from "./sign-slack.js";
import { waitFor } from "./wait.js";

/** Instance `id` failed (so DataWorks' status says too): posted to the bot; its Slack message with the buttons. */
export async function failOnSlack(bot: TestBot, dw: FakeDataWorks, slack: FakeSlack, id: number) {
  dw.instanceOps.status.set(id, "Failure");
  expect((await bot.post(failedInstance(id))).status).toBe(202);
  const msg = await waitFor(
    () => slack.messages.find((m) => JSON.stringify(m.blocks).includes(`"value":"${id}"`)),
    "the failure message with its buttons",
  );
  return { id, msg };
}

/** Whether the message's blocks carry the text. */
export const shows = (m: Pick<SlackMessage, "blocks">, text: string) => JSON.stringify(m.blocks).includes(text);

/** A signed block_actions click posted to the bot's /slack/events, as Slack posts it. */
export function clickOnSlack(bot: TestBot, signingSecret: string, action: Parameters<typeof blockAction>[0]) {
  const body = form(blockAction(action));
  return fetch(`${bot.url}/slack/events`, { method: "POST", headers: slackHeaders(signingSecret, body), body });
}
