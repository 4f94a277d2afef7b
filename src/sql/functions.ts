/** What a function name means for lineage: aggregate or not, lambdas, table functions. */

/**
 * DuckDB's aggregate functions (`SELECT function_name FROM duckdb_functions() WHERE
 * function_type = 'aggregate'`, DuckDB 1.5), plus common aggregates of other warehouses
 * so a transpiled model keeps its meaning. Kept static: analysis must not need DuckDB.
 */
const AGGREGATES = new Set([
  "any_value",
  "approx_count_distinct",
  "approx_quantile",
  "approx_top_k",
  "arbitrary",
  "arg_max",
  "arg_max_null",
  "arg_max_nulls_last",
  "arg_min",
  "arg_min_null",
  "arg_min_nulls_last",
  "argmax",
  "argmin",
  "array_agg",
  "avg",
  "bit_and",
  "bit_or",
  "bit_xor",
  "bitstring_agg",
  "bool_and",
  "bool_or",
  "corr",
  "count",
  "count_if",
  "count_star",
  "countif",
  "covar_pop",
  "covar_samp",
  "entropy",
  "favg",
  "first",
  "fsum",
  "group_concat",
  "histogram",
  "histogram_exact",
  "kahan_sum",
  "kurtosis",
  "kurtosis_pop",
  "last",
  "list",
  "listagg",
  "mad",
  "max",
  "max_by",
  "mean",
  "median",
  "min",
  "min_by",
  "mode",
  "product",
  "quantile",
  "quantile_cont",
  "quantile_disc",
  "regr_avgx",
  "regr_avgy",
  "regr_count",
  "regr_intercept",
  "regr_r2",
  "regr_slope",
  "regr_sxx",
  "regr_sxy",
  "regr_syy",
  "reservoir_quantile",
  "sem",
  "skewness",
  "stddev",
  "stddev_pop",
  "stddev_samp",
  "string_agg",
  "sum",
  "sum_no_overflow",
  "sumkahan",
  "var_pop",
  "var_samp",
  "variance",
  // other warehouses
  "approx_distinct",
  "array_union_agg",
  "bitand_agg",
  "bitor_agg",
  "booland_agg",
  "boolor_agg",
  "collect_list",
  "collect_set",
  "count_distinct",
  "hll",
  "object_agg",
  "percentile_cont",
  "percentile_disc",
]);

export function isAggregate(functionName: string): boolean {
  return AGGREGATES.has(functionName);
}

/**
 * Aggregates written `f(p) WITHIN GROUP (ORDER BY x)`: x is the argument. DuckDB reads
 * percentile_cont/percentile_disc as quantile_cont/quantile_disc.
 */
const ORDERED_SET_AGGREGATES = new Set([
  "quantile_cont",
  "quantile_disc",
  "percentile_cont",
  "percentile_disc",
  "mode",
]);

export function isOrderedSetAggregate(functionName: string): boolean {
  return ORDERED_SET_AGGREGATES.has(functionName);
}

/** DuckDB rewrites `COUNT(*)` to `count_star`; lineage reports the function as written. */
export function displayFunctionName(functionName: string): string {
  const lower = functionName.toLowerCase();
  return lower === "count_star" ? "count" : lower;
}

/**
 * Names DuckDB parses as column references but binds as functions when no column has
 * them (`SELECT CURRENT_TIMESTAMP`): values without sources.
 */
const SPECIAL_VALUE_NAMES = new Set([
  "current_date",
  "current_time",
  "current_timestamp",
  "localtime",
  "localtimestamp",
  "current_user",
  "session_user",
  "user",
  "current_role",
  "current_catalog",
  "current_schema",
  "now",
]);

export function isSpecialValueName(name: string): boolean {
  return SPECIAL_VALUE_NAMES.has(name.toLowerCase());
}

/** Functions whose arguments may be lambdas (`list_transform(xs, x -> x + 1)`); elsewhere `->` is JSON access. */
const LAMBDA_FUNCTIONS = new Set([
  "list_transform",
  "array_transform",
  "apply",
  "list_apply",
  "array_apply",
  "transform",
  "list_filter",
  "array_filter",
  "filter",
  "list_reduce",
  "array_reduce",
  "reduce",
  "aggregate",
  "exists",
  "forall",
  "zip_with",
  "map_filter",
  "transform_keys",
  "transform_values",
  "list_sort",
  "array_sort",
  "list_any",
  "list_all",
  "any_match",
  "all_match",
]);

export function takesLambda(functionName: string): boolean {
  return LAMBDA_FUNCTIONS.has(functionName);
}

/** DuckDB table functions that read a file named by their first argument (rows are the file's). */
const FILE_READERS = new Set([
  "read_csv",
  "read_csv_auto",
  "read_parquet",
  "parquet_scan",
  "read_json",
  "read_json_auto",
  "read_json_objects",
  "read_ndjson",
  "read_ndjson_auto",
  "read_ndjson_objects",
  "read_xlsx",
]);

export function readsFile(functionName: string): boolean {
  return FILE_READERS.has(functionName);
}
