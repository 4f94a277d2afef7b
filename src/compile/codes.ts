/** Diagnostic codes of the compile pipeline itself (the SQL analysis has its own, src/sql). */
export const DAG_CODES = {
  unknownDependency: "E030",
  cycle: "E031",
  analysisCrashed: "E100",
} as const;
