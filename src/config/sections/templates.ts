import { z } from "zod";
import { locale } from "./common.js";

export const templatesSchema = z
  .object({
    /** Directory of your own templates; a file here overrides the built-in of the same name. */
    dir: z.string().optional(),
    timeZone: z.string().default("Asia/Shanghai"),
    defaultLocale: locale.default("en"),
  })
  .strict()
  .default({ timeZone: "Asia/Shanghai", defaultLocale: "en" });
