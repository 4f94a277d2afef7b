/** Issue 18: offline commands on a Snowflake project need none of its secrets; connecting names the command. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocky, tempDir } from "../helpers/cli.ts";
import { expectJsonError } from "../helpers/schema.ts";
import { mkdirSync } from "node:fs";

const NO_SECRETS = {
  SNOWFLAKE_ACCOUNT: undefined,
  SNOWFLAKE_USER: undefined,
  SNOWFLAKE_PASSWORD: undefined,
  SNOWFLAKE_WAREHOUSE: undefined,
};

function snowflakeProject(extra = ""): string {
  const dir = tempDir("rocky-offline-");
  writeFileSync(
    join(dir, "rocky.toml"),
    `[project]
name = "sf"

[adapter]
type = "snowflake"
account = "\${SNOWFLAKE_ACCOUNT}"
user = "\${SNOWFLAKE_USER}"
password = "\${SNOWFLAKE_PASSWORD}"
warehouse = "\${SNOWFLAKE_WAREHOUSE:-COMPUTE_WH}"
database = "ANALYTICS"
schema = "PUBLIC"
${extra}`,
  );
  mkdirSync(join(dir, "models"));
  writeFileSync(join(dir, "models", "orders.sql"), "SELECT 1 AS order_id\n");
  writeFileSync(join(dir, "models", "fct.sql"), "SELECT order_id FROM orders\n");
  return dir;
}

describe("offline commands need no secrets", () => {
  const offline: string[][] = [
    ["compile"],
    ["lineage", "fct"],
    ["lineage", "fct", "--column", "order_id", "--upstream"],
    ["dag"],
    ["history"],
    ["validate"],
    ["state"],
    ["branch", "list"],
  ];
  for (const args of offline) {
    test(`rocky ${args.join(" ")} works without SNOWFLAKE_* set`, () => {
      const dir = snowflakeProject();
      const r = rocky([...args, "-o", "json"], { cwd: dir, env: NO_SECRETS });
      expect(r.stderr).not.toContain("environment variable");
      expect(r.code).toBe(0);
    });
  }

  test("validate passes and warns (V020) which variables a connecting command will need", () => {
    const dir = snowflakeProject();
    const r = rocky(["validate", "-o", "json"], { cwd: dir, env: NO_SECRETS });
    expect(r.code).toBe(0);
    const j = r.json<{
      valid: boolean;
      messages: { severity: string; code: string; message: string; line?: number }[];
    }>();
    expect(j.valid).toBe(true);
    expect(
      j.messages.filter((m) => m.code === "V020").map((m) => [m.severity, m.line, m.message.split(";")[0]]),
    ).toEqual([
      ["warn", 6, "adapter.default: environment variable 'SNOWFLAKE_ACCOUNT' is not set"],
      ["warn", 7, "adapter.default: environment variable 'SNOWFLAKE_USER' is not set"],
      ["warn", 8, "adapter.default: environment variable 'SNOWFLAKE_PASSWORD' is not set"],
    ]);
  });

  test("replay and branch show reach their own answers (no run, no branch), not a missing variable", () => {
    const dir = snowflakeProject();
    for (const args of [
      ["replay", "latest"],
      ["branch", "show", "feature"],
    ]) {
      const r = rocky([...args, "-o", "json"], { cwd: dir, env: NO_SECRETS });
      expect(r.stderr).not.toContain("environment variable");
      expect(r.stderr).toMatch(/no runs recorded|no branch named/);
    }
  });

  test("compile targets use the configured database: the dialect reads no secret", () => {
    const dir = snowflakeProject();
    const r = rocky(["compile", "-o", "json"], { cwd: dir, env: NO_SECRETS });
    const j = r.json<{ models_detail: { name: string; target: { catalog: string; schema: string } }[] }>();
    expect(j.models_detail.find((m) => m.name === "orders")!.target).toMatchObject({
      catalog: "ANALYTICS",
      schema: "PUBLIC",
    });
  });

  test("run names the variable, its line and the command that needed it; the run is recorded", () => {
    const dir = snowflakeProject();
    const r = rocky(["run", "-o", "json"], { cwd: dir, env: NO_SECRETS });
    expect(r.code).toBe(1);
    const e = expectJsonError(r, "error", "run");
    expect(e.message).toBe(
      `environment variable 'SNOWFLAKE_ACCOUNT' is not set (referenced in ${join(dir, "rocky.toml")}:6); 'rocky run' needs it to connect to the snowflake warehouse`,
    );
    expect(e.hint).toContain("${SNOWFLAKE_ACCOUNT:-value}");
    const h = rocky(["history", "-o", "json"], { cwd: dir, env: NO_SECRETS }).json<{
      runs: { status: string; error: string }[];
    }>();
    expect(h.runs.map((x) => x.status)).toEqual(["failure"]);
    expect(h.runs[0]!.error).toContain("SNOWFLAKE_ACCOUNT");
  });

  test("a variable outside [adapter] is read by every command, so it is still demanded at load", () => {
    const dir = snowflakeProject('\n[state]\npath = "${ROCKY_STATE_DIR}/state.db"\n');
    const r = rocky(["compile", "-o", "table"], {
      cwd: dir,
      env: { ...NO_SECRETS, ROCKY_STATE_DIR: undefined },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: environment variable 'ROCKY_STATE_DIR' is not set (referenced in ");
    expect(r.stderr).toContain("rocky.toml:14)");
  });
});
