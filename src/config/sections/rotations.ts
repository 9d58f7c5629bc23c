import { z } from "zod";
import { identities } from "./common.js";
import { hhmm, timeZone } from "./approvals.js";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The weekday of a "YYYY-MM-DD" date. */
export const weekdayOf = (date: string): Weekday =>
  WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7] as Weekday;

/** A calendar date "YYYY-MM-DD" that exists. */
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date "YYYY-MM-DD"')
  .refine((v) => new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), { message: "not a valid date" });

/**
 * An on-call rotation: members take turns, one shift each, handing over at a wall-clock time in a time zone.
 * Its name can be used wherever a group name can (approvers, mentions, roles, escalation targets) and stands
 * for whoever is on call at the moment it is used (src/access/rotation.ts).
 */
export const rotationSchema = z
  .object({
    /** In turn, one shift each: chat ids per platform, as in approvals.groups. */
    members: z.array(identities.partial()).min(1, "a rotation needs at least one member"),
    shift: z.enum(["daily", "weekly"]).default("weekly"),
    /** Wall-clock time of the hand-over in timeZone. */
    handover: hhmm.default("09:00"),
    /** weekly: the day of the hand-over. Default: the weekday of `start`, else Monday. */
    handoverDay: z.enum(WEEKDAYS).optional(),
    timeZone: timeZone.default("Asia/Shanghai"),
    /** The first member's first shift begins at the hand-over on this date; nobody is on call before it. */
    start: isoDate.optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.handover === "24:00")
      ctx.addIssue({ code: "custom", path: ["handover"], message: "a hand-over time from 00:00 to 23:59" });
    if (r.shift === "daily" && r.handoverDay)
      ctx.addIssue({ code: "custom", path: ["handoverDay"], message: "only a weekly shift has a hand-over day" });
    if (r.start && r.handoverDay && r.shift === "weekly") {
      const day = weekdayOf(r.start);
      if (day !== r.handoverDay)
        ctx.addIssue({
          code: "custom",
          path: ["start"],
          message: `${r.start} is a ${day}, but handoverDay is ${r.handoverDay}: the first shift starts on a hand-over day`,
        });
    }
  });
export type RotationConfig = z.infer<typeof rotationSchema>;

export const rotationsSchema = z.record(
  z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only"),
  rotationSchema,
);
