import { defineCommand } from "citty";
import { branchIsolation } from "../../branch/run.ts";
import { shadowFlags, threadsFlag } from "../flags.ts";
import { findConfig, loadConfig } from "../../config/load.ts";
import { ExitCode } from "../../errors.ts";
import { DEFAULT_SHADOW_SUFFIX } from "../../run/isolation.ts";
import { testProject } from "../../testing/command.ts";
import { testPayload } from "../../testing/report.ts";
import { renderTests } from "../render/tests.ts";
import { blocking } from "../../testing/run.ts";
import { globals } from "../context.ts";
import { emit, envelope, log } from "../output.ts";
import { EXCLUDE_HELP, SELECT_HELP, selectionFlags } from "../selection.ts";

export default defineCommand({
  meta: {
    name: "test",
    description: `Run the models' [[tests]] on the built tables and report failing rows.

Each test is one query returning the failing rows' count and a sample; tests run in
parallel. With --shadow or --branch the tests read each model's isolated copy (production
when the scope has none). Exits 1 when an error-severity test fails or cannot run; a
warning (severity = "warn") is reported only. Results are recorded in the state store.

Example:
  rocky test
  rocky test fct_orders
  rocky test --select +fct_orders --branch fix-price -o json
  rocky test --select tag:finance --exclude fct_legacy`,
  },
  args: {
    selection: {
      type: "positional",
      required: false,
      description: "A selector, as --select (name, +name, name+, tag:NAME, models/marts, …)",
    },
    model: { type: "string", description: "Test only this model (repeatable)" },
    select: { type: "string", description: SELECT_HELP },
    exclude: { type: "string", description: EXCLUDE_HELP },
    threads: { type: "string", description: "Tests executed at once (default: the adapter's threads)" },
    shadow: { type: "boolean", description: "Test the shadow copies written by 'rocky run --shadow'" },
    "shadow-suffix": {
      type: "string",
      description: `Shadow table suffix (default ${DEFAULT_SHADOW_SUFFIX}); implies --shadow`,
    },
    "shadow-schema": { type: "string", description: "Shadow schema; implies --shadow" },
    branch: { type: "string", description: "Test a branch's copies (see 'rocky branch')" },
    declarative: {
      type: "boolean",
      description: "Accepted for Rocky 1.10 compatibility: [[tests]] are what rocky test runs",
    },
  },
  async run({ args, rawArgs }) {
    const threads = threadsFlag(args.threads);
    const shadow = shadowFlags(args);
    const g = globals();
    const config = await loadConfig(findConfig(g.config), g.statePath);
    const positional = typeof args.selection === "string" ? [args.selection] : [];
    const outcome = await testProject({
      config,
      ...(await selectionFlags(rawArgs, g.config, positional)),
      ...(threads !== undefined ? { threads } : {}),
      ...(shadow ? { shadow } : {}),
      ...(args.branch !== undefined ? { isolation: branchIsolation(args.branch) } : {}),
      onNotice: log,
    });
    emit(envelope("test", testPayload(outcome)), () => renderTests(outcome));
    if (outcome.results.some(blocking)) throw new ExitCode(1);
  },
});
