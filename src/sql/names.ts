/**
 * DuckDB names an unaliased select expression by printing it (`ParsedExpression::
 * ToString`): `sum(amount)`, `(a + 1)`, `count_star()`. Asking DuckDB to print costs a
 * second serialisation and a deserialisation per model, so the common shapes are
 * printed here the way DuckDB prints them; anything else returns undefined and is left
 * to DuckDB (src/sql/parse.ts). test/sql/names.test.ts checks both agree.
 */

import type { ExprNode } from "./ast.ts";

const BINARY_OPERATORS = new Set(["+", "-", "*", "/", "//", "%", "||", "^", "**", "<<", ">>", "&", "|"]);
const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * @param keywords DuckDB's keywords (`duckdb_keywords()`), lowercased: DuckDB quotes an
 *   identifier that is one, or that is not a plain identifier.
 */
export function printExpression(node: ExprNode, keywords: ReadonlySet<string>): string | undefined {
  switch (node.class) {
    case "COLUMN_REF": {
      const parts = node.column_names ?? [];
      const printed = parts.map((p) => printIdentifier(p, keywords));
      return parts.length > 0 && printed.every((p) => p !== undefined) ? printed.join(".") : undefined;
    }
    case "CONSTANT":
      return printConstant(node);
    case "FUNCTION":
      return printFunction(node, keywords);
    default:
      return undefined;
  }
}

function printIdentifier(name: string, keywords: ReadonlySet<string>): string | undefined {
  if (PLAIN_IDENTIFIER.test(name)) {
    const lower = name.toLowerCase();
    if (!keywords.has(lower)) return name;
    // DuckDB's keyword test on mixed case is not something we mirror: let it print.
    return lower === name ? `"${name}"` : undefined;
  }
  return undefined;
}

function printConstant(node: ExprNode): string | undefined {
  const value = node.value;
  if (!value) return undefined;
  if (value.is_null) return "NULL";
  const type = value.type?.id;
  if ((type === "INTEGER" || type === "BIGINT") && typeof value.value === "number")
    return String(value.value);
  if (type === "VARCHAR" && typeof value.value === "string") return `'${value.value.replaceAll("'", "''")}'`;
  return undefined;
}

function printFunction(node: ExprNode, keywords: ReadonlySet<string>): string | undefined {
  const name = node.function_name;
  if (!name || node.filter || node.catalog || node.export_state) return undefined;
  const orderBys = node.order_bys as { orders?: unknown[] } | undefined;
  if (orderBys?.orders && orderBys.orders.length > 0) return undefined;
  const children = node.children ?? [];
  const args: string[] = [];
  for (const child of children) {
    const printed = printExpression(child, keywords);
    if (printed === undefined) return undefined;
    args.push(printed);
  }
  if (node.is_operator) {
    if (node.distinct) return undefined;
    if (args.length === 2 && BINARY_OPERATORS.has(name)) return `(${args[0]} ${name} ${args[1]})`;
    if (args.length === 1 && name === "-") return `-(${args[0]})`;
    return undefined;
  }
  if (!PLAIN_IDENTIFIER.test(name) || name !== name.toLowerCase()) return undefined;
  const qualified = node.schema ? `${node.schema}.${name}` : name;
  return `${qualified}(${node.distinct ? "DISTINCT " : ""}${args.join(", ")})`;
}
