import * as v from "valibot";
import { ERROR_CODE_MEANINGS, ERROR_CODES } from "../../errors.ts";
import { envelopeFields } from "../common.ts";

/**
 * What a failing command prints on stdout in JSON mode (the `Error:` text still goes to
 * stderr). `code` is one of a small, stable set (ERROR_CODES in src/errors.ts).
 */
export const ErrorOutput = v.object({
  ...envelopeFields,
  error: v.object({
    message: v.string(),
    hint: v.nullable(v.string()),
    code: v.pipe(
      v.picklist(ERROR_CODES),
      v.description(
        Object.entries(ERROR_CODE_MEANINGS)
          .map(([code, meaning]) => `${code}: ${meaning}`)
          .join("; "),
      ),
    ),
  }),
});

export const schemas = { error: ErrorOutput };
