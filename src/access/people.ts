/** A chat user as a decision or a mute records them; `name` is their display name when it was known. */
export interface ChatUser {
  platform: string;
  userId: string;
  /** Absent in records made before display names were looked up, or when the platform gave none. */
  name?: string;
}

/** What to call them: the display name, else the id. */
export const nameOf = (u: Pick<ChatUser, "userId" | "name">): string => u.name ?? u.userId;

/** "Alice (slack)": where the platform matters (DataWorks' message, the audit log, the status page). */
export const nameOnPlatform = (u: ChatUser): string => `${nameOf(u)} (${u.platform})`;
