import { z } from "zod";
import { duration } from "./common.js";

/** Failed instances acted on from chat (issue 17): how long they are kept, and how the bot knows its own operations. */
export const incidentsSchema = z
  .object({
    /** How long an incident (state, who is on it, timeline, message refs) is kept after its last change. */
    retention: duration("7d"),
    /**
     * How long after the bot reruns, sets success or stops an instance the pre-event DataWorks publishes for it is
     * recognised as the bot's own and answered OK from the chat authorization, without a second card.
     */
    ownOperationWindow: duration("5m"),
  })
  .strict();
export type IncidentsConfig = z.infer<typeof incidentsSchema>;
