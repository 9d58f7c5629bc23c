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
}
