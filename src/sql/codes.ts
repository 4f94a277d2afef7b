/**
 * Diagnostic codes of the SQL analysis.
 * E001 parse error · E002 no statement · E003 more than one statement · E009 internal error ·
 * W010 `*` cannot be expanded · W011 ambiguous column · W012 unknown column ·
 * W013 duplicate output name (DuckDB renames it) · E013 duplicate output name in a
 * warehouse that rejects it · W014 set operation branches differ in width ·
 * W015 `COLUMNS(…)` cannot be expanded · I016 no name known for an expression ·
 * W017 a table's name not found in the SQL text (no span for rewriting) ·
 * W018 a statement DuckDB parses but cannot serialise (PIVOT statement): no lineage ·
 * W019 a column read from a table function or PIVOT: its sources are not traced.
 */
export const SQL_CODES = {
  parseError: "E001",
  empty: "E002",
  severalStatements: "E003",
  starUnexpanded: "W010",
  ambiguousColumn: "W011",
  unknownColumn: "W012",
  duplicateName: "W013",
  duplicateNameRejected: "E013",
  setOpWidth: "W014",
  columnsUnexpanded: "W015",
  unnamedExpression: "I016",
  refNotFound: "W017",
  internal: "E009",
  unsupportedStatement: "W018",
  opaqueSource: "W019",
} as const;
