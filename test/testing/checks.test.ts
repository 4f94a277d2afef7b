/** Compile diagnostics for bad `[[tests]]` definitions: code, file:line of the sidecar, did-you-mean. */
import { describe, expect, test } from "bun:test";
import { rocky } from "../helpers/cli.ts";
import { makeProject } from "../run/project.ts";

interface Diag {
  code: string;
  message: string;
  span: { file: string; line: number } | null;
  suggestion: string | null;
}

function compile(files: Record<string, string>, extraToml = "") {
  const dir = makeProject(files, extraToml);
  const r = rocky(["compile", "-o", "json"], { cwd: dir });
  return { r, diags: r.json<{ diagnostics: Diag[]; has_errors: boolean }>().diagnostics };
}

const model = "SELECT 1 AS id, 'open' AS status, 3 AS amount\n";

describe("compile validates [[tests]]", () => {
  test("valid tests of every type compile clean (Rocky spellings too)", () => {
    const { r, diags } = compile(
      {
        "models/orders.sql": model,
        "models/customers.sql": "SELECT 1 AS customer_id\n",
        "models/orders.toml": `
[[tests]]
type = "not_null"
column = "id"

[[tests]]
type = "unique"
columns = ["id", "status"]
severity = "warn"

[[tests]]
type = "accepted_values"
column = "status"
values = ["open", "closed"]
filter = "amount > 0"

[[tests]]
type = "relationships"
column = "id"
to = "customers.customer_id"

[[tests]]
type = "relationships"
column = "id"
to_table = "raw.people"
to_column = "person_id"
severity = "warning"

[[tests]]
type = "expression"
expression = "amount >= 0"

[[tests]]
type = "row_count_range"
min = 1

[[tests]]
type = "sql"
sql = "SELECT * FROM {{ this }} WHERE amount > 100"
`,
      },
      '\n[sources.raw.people]\ncolumns = ["person_id"]\n',
    );
    expect(diags).toEqual([]);
    expect(r.code).toBe(0);
  });

  test("unknown type, unknown column, missing and unknown arguments: file:line and did-you-mean", () => {
    const { r, diags } = compile({
      "models/orders.sql": model,
      "models/orders.toml": `description = "x"

[[tests]]
type = "not_nul"
column = "id"

[[tests]]
type = "not_null"
column = "statsu"

[[tests]]
type = "accepted_values"
column = "status"

[[tests]]
type = "unique"
colum = "id"

[[tests]]
type = "row_count_range"
`,
    });
    expect(r.code).toBe(1);
    const brief = diags.map((d) => [d.code, d.span?.file, d.span?.line, d.suggestion]);
    expect(brief).toEqual([
      ["E060", "models/orders.toml", 4, "did you mean 'not_null'?"],
      ["E062", "models/orders.toml", 9, "did you mean 'status'?"],
      ["E061", "models/orders.toml", 11, "accepted_values needs column, values"],
      ["E061", "models/orders.toml", 17, "did you mean 'column', 'columns'?"],
      ["E061", "models/orders.toml", 20, "set min = N and/or max = N"],
    ]);
    expect(diags[1]!.message).toContain(
      "'statsu', which the model does not output (its columns: id, status, amount)",
    );
    expect(diags[2]!.message).toContain("missing argument 'values'");
  });

  test("relationships to an unknown model or column", () => {
    const { diags } = compile({
      "models/orders.sql": model,
      "models/customers.sql": "SELECT 1 AS customer_id\n",
      "models/orders.toml": `[[tests]]
type = "relationships"
column = "id"
to = "custmers.customer_id"

[[tests]]
type = "relationships"
column = "id"
to_table = "customers"
to_column = "customer"
`,
    });
    expect(diags.map((d) => [d.code, d.span?.line, d.suggestion])).toEqual([
      ["E063", 4, "did you mean 'customers'?"],
      ["E062", 10, "did you mean 'customer_id'?"],
    ]);
  });

  test("tests from _defaults.toml point at that file", () => {
    const { diags } = compile({
      "models/orders.sql": model,
      "models/_defaults.toml": `[[tests]]\ntype = "not_null"\ncolumn = "id"\n\n[[tests]]\ntype = "row_count_range"\nmin = 1\nseverity = "fatal"\n`,
    });
    expect(diags.map((d) => [d.code, d.span?.file, d.span?.line])).toEqual([
      ["E061", "models/_defaults.toml", 8],
    ]);
  });
});
