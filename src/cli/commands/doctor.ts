import { defineCommand } from "citty";
import type { Payload } from "../../output/common.ts";
import type { DoctorOutput } from "../../output/schemas/doctor.ts";
import { alignColumns } from "../../format.ts";
import { findConfig, loadConfig } from "../../config/load.ts";
import {
  adapterChecks,
  cacheCheck,
  configCheck,
  pathsCheck,
  stateCheck,
  versionCheck,
} from "../../doctor/checks.ts";
import { ExitCode } from "../../errors.ts";
import { globals } from "../context.ts";
import { emit, envelope } from "../output.ts";
import { dim, green, red, yellow } from "../style.ts";

const MARK = { ok: green("ok  "), warn: yellow("warn"), fail: red("fail") };

export default defineCommand({
  meta: {
    name: "doctor",
    description: `Check that the project is ready to run: config, adapter credentials and
connection, state file integrity, writable paths, compile cache, versions. Exit 1 when a check fails.

Example:
  rocky doctor
  rocky doctor --no-connect -o json`,
  },
  args: {
    connect: {
      type: "boolean",
      default: true,
      description: "Connect to each adapter (--no-connect: only check credentials are set)",
    },
  },
  async run({ args }) {
    const g = globals();
    const checks = [versionCheck()];
    const { check, config } = await configCheck(() => loadConfig(findConfig(g.config), g.statePath));
    checks.push(check);
    if (config) {
      checks.push(stateCheck(config.statePath), pathsCheck(config), cacheCheck(config.root));
      checks.push(...(await adapterChecks(config, args.connect)));
    }
    const success = checks.every((c) => c.status !== "fail");
    emit(envelope("doctor", { success, checks } satisfies Payload<typeof DoctorOutput>), () => {
      const lines = alignColumns(
        checks.map((c) => {
          const hint =
            c.hint !== undefined ? `\n        ${dim(`hint: ${c.hint.replace(/\n/g, "\n        ")}`)}` : "";
          return [MARK[c.status], c.name, `${c.message}${hint}`];
        }),
        "  ",
      );
      const failed = checks.filter((c) => c.status === "fail").length;
      const warned = checks.filter((c) => c.status === "warn").length;
      const tail =
        failed > 0
          ? red(`${failed} check(s) failed`)
          : warned > 0
            ? yellow(`all checks passed, ${warned} warning(s)`)
            : green("all checks passed");
      return `${lines.join("\n")}\n\n${tail}`;
    });
    if (!success) throw new ExitCode(1);
  },
});
