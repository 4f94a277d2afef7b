import * as v from "valibot";
import { envelopeFields } from "../common.ts";

/** `rocky doctor`: one entry per check; `success` is false when any check failed. */
export const DoctorOutput = v.object({
  ...envelopeFields,
  success: v.boolean(),
  checks: v.array(
    v.object({
      name: v.string(),
      status: v.picklist(["ok", "warn", "fail"]),
      message: v.string(),
      hint: v.optional(v.string()),
    }),
  ),
});

export const schemas = { doctor: DoctorOutput };
