/**
 * Lazy `${VAR}` expansion: an unset variable inside an `[adapter]` block waits until a
 * command connects to that warehouse (a dialect needs no account or password), so
 * compile, lineage, dag, history, validate… run in a CI job without secrets. An unset
 * variable anywhere else ([project], [state], [sources]) is read by every command and is
 * demanded at load, as before.
 */
import { type UnsetVariable, unsetVariableError } from "./env.ts";

/** The unset variables of each adapter block (by block name); throws for any outside one. */
export function deferToAdapters(
  parsed: unknown,
  unset: readonly UnsetVariable[],
  file: string,
): Map<string, UnsetVariable[]> {
  const byAdapter = new Map<string, UnsetVariable[]>();
  if (unset.length === 0) return byAdapter;
  const leaves: { path: string[]; value: string }[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (typeof node === "string") leaves.push({ path, value: node });
    else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) walk(node[i], [...path, String(i)]);
    } else if (node !== null && typeof node === "object")
      for (const [k, x] of Object.entries(node)) walk(x, [...path, k]);
  };
  walk(parsed, []);
  const adapter = (parsed as { adapter?: Record<string, unknown> }).adapter;
  const bare = adapter !== undefined && "type" in adapter;
  for (const v of unset) {
    const at = leaves.filter((l) => l.value.includes(`\${${v.name}}`));
    const blocks = new Set(
      at.map((l) =>
        l.path[0] === "adapter" && l.path.length > (bare ? 1 : 2) ? (bare ? "default" : l.path[1]!) : "",
      ),
    );
    if (at.length === 0 || blocks.has("")) throw unsetVariableError(v, file);
    for (const b of blocks) byAdapter.set(b, [...(byAdapter.get(b) ?? []), v]);
  }
  return byAdapter;
}
