/**
 * Recent executions per model from the state file, for the docs site. A project that has
 * never run has no state file: the site then shows no history (and none is created).
 */
import { existsSync } from "node:fs";
import { modelHistoryPayload } from "../state/report.ts";
import { openState } from "../state/store.ts";

export type Execution = ReturnType<typeof modelHistoryPayload>["executions"][number];

export function recentExecutions(statePath: string, models: string[], limit = 5): Map<string, Execution[]> {
  const out = new Map<string, Execution[]>();
  if (!existsSync(statePath)) return out;
  const store = openState(statePath);
  try {
    for (const m of models) {
      const executions = modelHistoryPayload(store, m, { limit }).executions;
      if (executions.length > 0) out.set(m, executions);
    }
  } finally {
    store.close();
  }
  return out;
}
