import { z } from "zod";
import { duration, identities } from "./common.js";
import { patternSchema } from "./routes.js";

const checkResult = z.enum(["OK", "FAIL", "WARN"]);

export { type Identities, identities } from "./common.js";

/** Who may decide: chat user ids per platform and/or names of groups defined under approvals.groups. */
const approversSchema = z
  .object({
    users: identities.default({ slack: [], lark: [], dingtalk: [], console: [] }),
    groups: z.array(z.string()).default([]),
  })
  .strict();

/** A date-time with its offset; a value that does not parse would otherwise make a freeze window endless. */
const isoWithOffset = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/,
    'a date-time with offset, e.g. "2026-12-31T18:00:00+08:00"',
  )
  .refine((v) => Number.isFinite(Date.parse(v)), { message: "not a valid date-time" });

export const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'a time "HH:MM" from 00:00 to 24:00');

/** An IANA time zone the runtime knows; checked here so a typo fails start-up instead of every approval. */
export const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a known IANA time zone (e.g. "Asia/Shanghai")' },
);

const timeWindow = z
  .object({
    /** ISO date-times with offset, for one-off freezes ("2026-12-31T18:00:00+08:00"). */
    from: isoWithOffset.optional(),
    to: isoWithOffset.optional(),
    /** Recurring: days of week (mon…sun) and "HH:MM" times in timeZone. */
    days: z.array(z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])).optional(),
    start: hhmm.optional(),
    end: hhmm.optional(),
  })
  .strict();

export const policySchema = z
  .object({
    name: z.string().min(1),
    /** EventBridge pattern the event must match for the policy to apply. */
    match: patternSchema.optional(),
    /** Conditions; all given ones must hold. */
    when: z
      .object({
        /** Within any of these windows (a freeze). */
        during: z.array(timeWindow).optional(),
        timeZone: timeZone.default("Asia/Shanghai"),
        /** The event's SQL (download/run events) matches this regular expression (case-insensitive). */
        sqlMatches: z.string().optional(),
        /** More rows than this (download events: dataRowSize). */
        rowsOver: z.number().int().min(0).optional(),
        /** The operator (DataWorks UID) is one of these. */
        operators: z.array(z.string()).optional(),
        /**
         * The snapshot's new code (commit/deploy), the code about to run (run-file), or a download's SQL matches this
         * regular expression (case-insensitive). Conditions on the snapshot need it within approvals.snapshot.budget.
         */
        codeMatches: z.string().optional(),
        /** The file change is one of these (GetIDEEventDetail ChangeType). */
        changeTypes: z
          .array(z.enum(["CREATE", "UPDATE", "DELETE"]))
          .min(1)
          .optional(),
        /** More lines added plus removed than this in the code change. */
        diffLinesOver: z.number().int().min(0).optional(),
      })
      .strict()
      .default({ timeZone: "Asia/Shanghai" }),
    /** allow = OK at once, warn = WARN at once, block = FAIL at once, ask = ask humans (stop evaluating). */
    decide: z.enum(["allow", "warn", "block", "ask"]),
    message: z.string().optional(),
  })
  .strict();
export type PolicyConfig = z.infer<typeof policySchema>;

/** DataWorks' snapshot of what is being approved (GetIDEEventDetail and the file's versions), for cards and policies. */
const snapshotSchema = z
  .object({
    /** Fetch the snapshot before posting the card (needs DataWorks credentials; without them the card says why). */
    enabled: z.boolean().default(true),
    /** How long the card waits for it; past it the card goes out saying "loading" and is updated when it comes. */
    budget: duration("3s"),
  })
  .strict();

export const approvalRouteSchema = z
  .object({
    name: z.string().min(1),
    match: patternSchema.optional(),
    destinations: z.array(z.string()).min(1),
    approvers: approversSchema,
    /** How long humans have; then timeoutOutcome is returned to DataWorks. */
    timeout: duration("30m"),
    timeoutOutcome: checkResult.default("FAIL"),
    /** Require a reason to block. */
    requireBlockReason: z.boolean().default(true),
    /** Preset reasons offered where free text is awkward (DingTalk). */
    blockReasons: z.array(z.string()).default([]),
  })
  .strict();
export type ApprovalRouteConfig = z.infer<typeof approvalRouteSchema>;

export const approvalsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Evaluated in order before asking humans; the first that applies decides. */
    policies: z.array(policySchema).default([]),
    /** First matching route wins. */
    routes: z.array(approvalRouteSchema).default([]),
    /** Extension point events no route matches: answer OK/FAIL/WARN at once, or ignore (no answer). */
    unmatched: z.enum(["OK", "FAIL", "WARN", "ignore"]).default("OK"),
    /** Named groups of approvers. */
    groups: z.record(z.string(), identities).default({}),
    /** DataWorks user id (UID) → chat ids: blocks self-approval and lets cards mention the operator. */
    users: z.record(z.string(), identities.partial()).default({}),
    /** Attempts to return a decision to DataWorks (backoff capped at 10 min: 40 attempts ≈ 6 h). */
    deliveryAttempts: z.number().int().min(1).max(500).default(40),
    /** First retry delay when DataWorks throttles or fails; doubles up to 10 minutes. */
    deliveryBackoff: duration("5s"),
    snapshot: snapshotSchema.default(() => snapshotSchema.parse({})),
  })
  .strict();
export type ApprovalsConfig = z.infer<typeof approvalsSchema>;
