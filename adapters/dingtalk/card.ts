import { createHash, randomUUID } from "node:crypto";
import type { MessageRef, Target } from "../../src/core/chat-adapter.js";
import { DeliveryError } from "../../src/core/errors.js";
import type { DingTalkOpenApi } from "./openapi.js";

interface Opts {
  destination: string;
  timeoutMs: number;
  now: () => number;
  signal?: AbortSignal;
}

/**
 * outTrackId for a card: deterministic per (action value, conversation) so a send retried after a timeout
 * finds its card instead of posting a second one, and so a callback can find the approval even when the
 * template does not send the value back. Card-less messages get a random one.
 */
export function outTrackIdFor(cardParamMap: Record<string, string>, conversationId: string): string {
  const value = cardParamMap.actionValue ?? "";
  const where = createHash("sha256").update(conversationId).digest("base64url").slice(0, 12);
  return /^[A-Za-z0-9_-]{10,64}$/.test(value) ? `${value}.${where}` : `dw-${randomUUID()}`;
}

/** The action value an outTrackId was made from (see outTrackIdFor). */
export function valueFromOutTrackId(outTrackId: string): string | undefined {
  const m = /^([A-Za-z0-9_-]{10,64})\.[A-Za-z0-9_-]{12}$/.exec(outTrackId);
  return m?.[1];
}

/**
 * POST /v1.0/card/instances/createAndDeliver into a group (notes §3.1; python SDK card_replier.py): the app robot
 * delivers the template card, clicks come back over Stream (`callbackType: STREAM`).
 */
export async function createAndDeliverCard(
  api: DingTalkOpenApi,
  target: Target,
  cardTemplateId: string,
  cardParamMap: Record<string, string>,
  o: Opts,
): Promise<MessageRef> {
  const outTrackId = outTrackIdFor(cardParamMap, target.address);
  const what = "card createAndDeliver";
  let res: Record<string, unknown>;
  try {
    res = await api.call(
      "POST",
      "/v1.0/card/instances/createAndDeliver",
      {
        cardTemplateId,
        outTrackId,
        callbackType: "STREAM",
        cardData: { cardParamMap },
        openSpaceId: `dtv1.card//IM_GROUP.${target.address}`,
        imGroupOpenSpaceModel: { supportForward: true },
        imGroupOpenDeliverModel: { robotCode: api.robotCode },
        userIdType: 1,
      },
      what,
      o,
    );
  } catch (err) {
    // A retry whose first attempt did create the card: it exists, so this delivery is done.
    if (
      err instanceof DeliveryError &&
      /outTrackId/i.test(err.platformCode ?? "") &&
      /exist/i.test(err.platformCode ?? "")
    )
      return ref(target, outTrackId);
    throw err;
  }
  const result = (res.result ?? {}) as { deliverResults?: Array<{ success?: boolean; errorMsg?: string }> };
  const failed = (result.deliverResults ?? []).find((d) => d.success === false);
  if (res.success === false || failed)
    throw new DeliveryError(
      `DingTalk ${what} to ${o.destination} was not delivered: ${failed?.errorMsg ?? "rejected"} (is the app's robot in the group?)`,
      { adapter: "dingtalk", destination: o.destination, retryable: false, platformCode: "card_not_delivered" },
    );
  return ref(target, outTrackId);
}

/** PUT /v1.0/card/instances: replace the card's public data (every viewer sees the decision). */
export async function updateCard(
  api: DingTalkOpenApi,
  outTrackId: string,
  cardParamMap: Record<string, string>,
  o: Opts,
): Promise<void> {
  await api.call(
    "PUT",
    "/v1.0/card/instances",
    { outTrackId, cardData: { cardParamMap }, cardUpdateOptions: { updateCardDataByKey: true } },
    "card update",
    o,
  );
}

const ref = (target: Target, outTrackId: string): MessageRef => ({
  adapter: "dingtalk",
  destination: target.destination,
  ids: { outTrackId, conversationId: target.address },
});
