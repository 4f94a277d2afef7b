import { defineCommand } from "citty";
import type { Payload } from "../../output/common.ts";
import type { TestAdapterOutput } from "../../output/schemas/adapters.ts";
import { runConformance } from "../../adapter/conformance.ts";
import { padVisible } from "../../format.ts";
import { createAdapter } from "../../adapter/loader.ts";
import { checkAdapterEnv, findConfig, loadConfig } from "../../config/load.ts";
import { ExitCode, RockyError, didYouMean } from "../../errors.ts";
import { globals } from "../context.ts";
import { emit, envelope, log } from "../output.ts";

const MARK = { pass: "+", fail: "X", skip: "-" } as const;

export default defineCommand({
  meta: {
    name: "test-adapter",
    description: `Run the adapter conformance suite against a configured warehouse.

Every check executes real statements through the adapter in a scratch schema that is
created and dropped again: create schema, CTAS, view, incremental insert, merge,
delete+insert, describe, exists, list tables, awkward names (fix-price, Order,
hotfix.2026-04-20), fingerprints, clone (or its fallback), transactions, error mapping,
drop schema, close. A check is skipped only when the adapter lacks that capability.
Exit 1 when any check fails.

Example:
  rocky test-adapter
  rocky test-adapter warehouse -o json`,
  },
  args: {
    name: {
      type: "positional",
      required: false,
      description: "Adapter block in rocky.toml ([adapter] is 'default', [adapter.NAME] is NAME)",
    },
  },
  async run({ args }) {
    const g = globals();
    const config = await loadConfig(findConfig(g.config), g.statePath);
    const name = args.name ?? (config.adapters.has("default") ? "default" : [...config.adapters.keys()][0]);
    const block = name === undefined ? undefined : config.adapters.get(name);
    if (!block || name === undefined) {
      const known = [...config.adapters.keys()];
      throw new RockyError(
        known.length === 0
          ? `no [adapter] in ${config.file}`
          : `no adapter named '${args.name}' in ${config.file}`,
        {
          hint:
            didYouMean(args.name ?? "", known) ??
            (known.length ? `configured: ${known.join(", ")}` : "add an [adapter] block with a type"),
        },
      );
    }
    checkAdapterEnv(config, name, `to connect to the ${block.type} warehouse`);
    const adapter = await createAdapter(block, { projectRoot: config.root, name }, config.file);
    const text = g.output !== "json";
    if (text && process.stderr.isTTY) log(`Adapter conformance: ${name} (${block.type})`);
    const report = await runConformance(adapter, {
      onCheck: (c) => {
        if (text && process.stderr.isTTY) log(`  ${MARK[c.status]} ${c.name}`);
      },
    });
    // The suite closes the adapter itself; a failed close is already a failed check.
    const payload = envelope("test-adapter", {
      adapter: name,
      adapter_type: report.adapter_type,
      schema: report.schema,
      success: report.failed === 0,
      passed: report.passed,
      failed: report.failed,
      skipped: report.skipped,
      checks: report.checks,
    } satisfies Payload<typeof TestAdapterOutput>);
    emit(payload, () => {
      const lines = [
        `Adapter conformance: ${name} (${report.adapter_type}), scratch schema ${report.schema}`,
        "=".repeat(50),
      ];
      for (const c of report.checks) {
        const label = padVisible(c.name, 16);
        if (c.status === "pass")
          lines.push(`  + ${label} ${c.duration_ms}ms${c.message ? ` (${c.message})` : ""}`);
        else if (c.status === "fail") lines.push(`  X ${label} FAILED: ${c.message ?? ""}`);
        else lines.push(`  - ${label} SKIPPED (${c.message ?? ""})`);
      }
      lines.push("", `Result: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
      return lines.join("\n");
    });
    if (report.failed > 0) {
      process.stderr.write(`Error: ${report.failed} conformance check(s) failed\n`);
      throw new ExitCode(1);
    }
  },
});
