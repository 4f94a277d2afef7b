import { defineCommand } from "citty";
import { findConfig, loadConfig } from "../../config/load.ts";
import { statePayload } from "../../state/report.ts";
import { openState } from "../../state/store.ts";
import { globals } from "../context.ts";
import { emit, envelope } from "../output.ts";

export default defineCommand({
  meta: {
    name: "state",
    description: `Stored watermarks of incremental models (the highest timestamp loaded per target).

Example:
  rocky state
  rocky state -o json`,
  },
  args: {},
  async run() {
    const g = globals();
    const config = await loadConfig(findConfig(g.config), g.statePath);
    const store = openState(config.statePath);
    try {
      const p = statePayload(store);
      emit(envelope("state", p), () =>
        p.watermarks.length === 0
          ? "No watermarks stored."
          : p.watermarks
              .map((w) => `${w.table} | ${w.column} > ${w.value} | updated ${w.updated_at} (${w.model})`)
              .join("\n"),
      );
    } finally {
      store.close();
    }
  },
});
