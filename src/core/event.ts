/** A DataWorks event as the core sees it, whichever envelope it arrived in. */
export interface DwEvent {
  /** Envelope id: the EventBridge CloudEvent `id` or the Function Compute `messageId`. Also the DataWorks MessageId. */
  id: string;
  source: string;
  /** EventBridge type, e.g. "dataworks:FileChange:CommitFile". */
  type: string;
  /** Kebab-case event code, e.g. "commit-file" (from the catalog, falling back to data.eventCode). */
  eventCode: string;
  /** ISO time the event happened, as sent. */
  time?: string;
  regionId?: string;
  accountId?: string;
  envelope: "cloudevent" | "function-compute";
  data: Record<string, unknown>;
  /** Extra envelope attributes (aliyun*, subject, …) kept for routing patterns. */
  attributes: Record<string, unknown>;
  /**
   * Set by the bot, never read from a request: why this extension point event is notified as an ordinary event
   * instead of being answered from chat (the notification says it, templates' `decision.unanswered.*`).
   */
  unanswered?: Unanswered;
}

/** Why an extension point event gets no approval card: DataWorks does not wait on us, or a function answers it. */
export interface Unanswered {
  /** Not ours (dataworks/extension-bindings.ts NotOursReason), or a Function Compute envelope's answer. */
  reason: string;
  extension?: string;
  workspace?: string;
  detail?: string;
  /** Function Compute: what the HTTP response answered (absent: not decided) and which policy decided. */
  checkResult?: string;
  policy?: string;
}
