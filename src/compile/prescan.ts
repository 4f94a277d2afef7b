/**
 * A quick look at a parsed model for the tables it reads, used only to decide the
 * order in which models are analysed (upstream first, so `SELECT *` and column checks
 * see upstream columns). Dependencies themselves come from the full analysis; if
 * this guess misses one, compile re-analyses the affected model (see compile.ts).
 */
export function prescanTableRefs(parsed: unknown): string[][] {
  const refs: string[][] = [];
  const ctes = new Set<string>();
  const stack: unknown[] = [parsed];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (const x of node) if (x !== null && typeof x === "object") stack.push(x);
      continue;
    }
    if (node === null || typeof node !== "object") continue;
    const o = node as Record<string, unknown>;
    if (o.type === "BASE_TABLE" && typeof o.table_name === "string") {
      refs.push(
        [o.catalog_name, o.schema_name, o.table_name].filter(
          (p): p is string => typeof p === "string" && p !== "",
        ),
      );
    }
    const cteMap = o.cte_map as { map?: { key?: unknown }[] } | undefined;
    if (cteMap?.map) for (const e of cteMap.map) if (typeof e.key === "string") ctes.add(e.key.toLowerCase());
    for (const k in o) {
      const v = o[k];
      if (v !== null && typeof v === "object") stack.push(v);
    }
  }
  return refs.filter((r) => !(r.length === 1 && ctes.has(r[0]!.toLowerCase())));
}
