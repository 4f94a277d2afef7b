import { defineCommand } from "citty";
import type { Payload } from "../../output/common.ts";
import type { ValidateOutput } from "../../output/schemas/project.ts";
import { findConfig } from "../../config/load.ts";
import { ExitCode } from "../../errors.ts";
import { validateProject } from "../../project/validate.ts";
import { globals } from "../context.ts";
import { emit, envelope } from "../output.ts";

const PREFIX = { ok: "  ok ", warn: "  !! ", error: "  !! ", lint: " note" } as const;

export default defineCommand({
  meta: {
    name: "validate",
    description:
      "Check rocky.toml, adapters, models and the DAG without contacting a warehouse. Exit 1 when invalid.\n\nExample:\n  rocky validate -o json",
  },
  args: {},
  async run() {
    const report = await validateProject(findConfig(globals().config));
    emit(envelope("validate", report satisfies Payload<typeof ValidateOutput>), () =>
      [
        ...report.messages.map((m) => `${PREFIX[m.severity]} ${m.code} ${m.message}`),
        "",
        report.valid ? "Validation complete." : "Validation failed.",
      ].join("\n"),
    );
    if (!report.valid) throw new ExitCode(1);
  },
});
