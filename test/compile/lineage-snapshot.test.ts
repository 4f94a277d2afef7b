/**
 * The lineage snapshot (src/compile/lineage-snapshot.ts): `rocky lineage` on an unchanged
 * project answers from the last compile's graph. Its answers must be exactly those of a
 * fresh compile, and any edit to what the graph depends on must make lineage compile again.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { columnLineage, edgesToDraw, modelLineage, resolveTarget } from "../../src/compile/lineage.ts";
import { renderDot } from "../../src/cli/render/lineage-dot.ts";
import { buildPicture } from "../../src/cli/render/lineage-picture.ts";
import { snapshotGraph } from "../../src/compile/lineage-snapshot.ts";
import { loadAndCompile } from "../../src/compile/load.ts";
import { rocky } from "../helpers/cli.ts";
import { fixtureCopy } from "./fixture.ts";

const snapshotFile = (dir: string) => join(dir, ".rocky-cache", "lineage.snapshot");
/** The snapshot file's inode: a compile replaces the file (temp + rename), an answer from it does not. */
const snapshotIno = (dir: string) => statSync(snapshotFile(dir)).ino;

describe("lineage snapshot", () => {
  test("every answer from the snapshot equals the compiled graph's, for every table and column", async () => {
    const dir = fixtureCopy();
    const config = join(dir, "rocky.toml");
    const { graph } = await loadAndCompile(config, { lineageSnapshot: true });
    const whole = snapshotGraph(config);
    expect(whole).toBeDefined();
    expect(whole!.edges()).toEqual(graph.edges());
    expect(whole!.allTables()).toEqual(graph.allTables());
    for (const t of graph.allTables()) {
      const part = snapshotGraph(config, { target: t.name, direction: "upstream" })!;
      expect(modelLineage(part, part.table(t.name)!)).toEqual(modelLineage(graph, t));
      for (const c of t.columns ?? [])
        for (const direction of ["upstream", "downstream"] as const) {
          const p = snapshotGraph(config, { target: t.name, column: c, direction })!;
          expect(columnLineage(p, p.table(t.name)!, c, direction)).toEqual(
            columnLineage(graph, t, c, direction),
          );
        }
    }
  });

  test("the whole snapshot graph holds the indirect reads: --indirect answers and pictures equal the compiled graph's", async () => {
    const dir = fixtureCopy();
    const config = join(dir, "rocky.toml");
    const { graph } = await loadAndCompile(config, { lineageSnapshot: true });
    const whole = snapshotGraph(config)!;
    expect(graph.indirectReadCount).toBeGreaterThan(0);
    expect(whole.indirectReads()).toEqual(graph.indirectReads());
    expect(whole.indirectEdges()).toEqual(graph.indirectEdges());
    for (const t of graph.allTables()) {
      expect(whole.indirectKnown(t.name)).toBe(graph.indirectKnown(t.name));
      expect(modelLineage(whole, whole.table(t.name)!, true)).toEqual(modelLineage(graph, t, true));
      const picture = (g: typeof graph, column: string | undefined, direction: "upstream" | "downstream") => {
        const target = resolveTarget(g, t.name, column);
        return renderDot(buildPicture(g, "t", { model: t.name }, edgesToDraw(g, target, direction, true)));
      };
      expect(picture(whole, undefined, "upstream")).toBe(picture(graph, undefined, "upstream"));
      for (const c of t.columns ?? [])
        for (const direction of ["upstream", "downstream"] as const) {
          expect(columnLineage(whole, whole.table(t.name)!, c, direction, true)).toEqual(
            columnLineage(graph, t, c, direction, true),
          );
          expect(picture(whole, c, direction)).toBe(picture(graph, c, direction));
        }
    }
  });

  test("--indirect, --downstream and pictures answer from the snapshot, byte for byte as a cold compile", () => {
    const dir = fixtureCopy();
    expect(rocky(["lineage", "top_customers"], { cwd: dir }).code).toBe(0);
    const forms = [
      ["top_customers", "--column", "total", "--indirect"],
      ["top_customers", "--column", "total", "--indirect", "-o", "json"],
      ["raw.orders", "--column", "status", "--downstream", "--indirect"],
      ["raw.orders", "--column", "status", "--downstream", "--indirect", "-o", "json"],
      ["raw.orders", "--column", "amount", "--downstream"],
      ["int_orders_enriched", "--indirect", "-o", "json"],
      ["int_orders_enriched", "--indirect"],
      ["int_orders_enriched", "--format", "dot"],
      ["top_customers.total", "--format", "mermaid", "--indirect"],
      ["raw.orders", "--column", "status", "--downstream", "--indirect", "--format", "html"],
      ["no_such_model", "--indirect"],
    ];
    const warm = forms.map((args) => {
      const before = snapshotIno(dir);
      const r = rocky(["lineage", ...args], { cwd: dir });
      expect({ args, fromSnapshot: snapshotIno(dir) === before }).toEqual({ args, fromSnapshot: true });
      return r;
    });
    forms.forEach((args, i) => {
      rmSync(join(dir, ".rocky-cache"), { recursive: true, force: true });
      const cold = rocky(["lineage", ...args], { cwd: dir });
      expect({ args, code: warm[i]!.code, stdout: warm[i]!.stdout, stderr: warm[i]!.stderr }).toEqual({
        args,
        code: cold.code,
        stdout: cold.stdout,
        stderr: cold.stderr,
      });
    });
  });

  test("after an edit lineage compiles again and answers as a cold compile does; unchanged, it answers from the snapshot", () => {
    const dir = fixtureCopy();
    // A compile alone stores no snapshot; the first lineage does.
    expect(rocky(["compile", "-o", "json"], { cwd: dir }).code).toBeLessThan(2);
    expect(existsSync(snapshotFile(dir))).toBe(false);
    expect(rocky(["lineage", "orders_copy", "-o", "json"], { cwd: dir }).code).toBe(0);
    /** One lineage question, answered twice: as it stands, then cold (no caches). */
    const ask = (args: string[], env: Record<string, string> = {}) => {
      const before = snapshotIno(dir);
      const warm = rocky(["lineage", ...args, "-o", "json"], { cwd: dir, env });
      const fromSnapshot = snapshotIno(dir) === before;
      rmSync(join(dir, ".rocky-cache"), { recursive: true, force: true });
      const cold = rocky(["lineage", ...args, "-o", "json"], { cwd: dir, env });
      expect(warm.code).toBe(cold.code);
      expect(warm.stdout).toBe(cold.stdout);
      return { fromSnapshot, json: warm.json<{ trace?: unknown[]; columns?: unknown[] }>() };
    };
    const question = ["orders_copy", "--column", "amount"];

    expect(ask(question).fromSnapshot).toBe(true);

    // The SQL body: `amount` becomes computed, so its trace's transform changes.
    const stg = join(dir, "models", "staging", "stg_orders.sql");
    writeFileSync(
      stg,
      "SELECT order_id, customer_id, amount * 100 AS amount, status, ordered_at FROM raw.orders",
    );
    expect(ask(question).fromSnapshot).toBe(false);
    expect(ask(question).fromSnapshot).toBe(true);

    // A new model downstream, then its removal.
    const added = join(dir, "models", "marts", "amount_again.sql");
    writeFileSync(added, "SELECT amount AS amount_again FROM orders_copy");
    const down = ["orders_copy", "--column", "amount", "--downstream"];
    const withModel = ask(down);
    expect(withModel.fromSnapshot).toBe(false);
    expect(JSON.stringify(withModel.json.trace)).toContain("amount_again");
    rmSync(added);
    const without = ask(down);
    expect(without.fromSnapshot).toBe(false);
    expect(JSON.stringify(without.json.trace)).not.toContain("amount_again");

    // A sidecar: a new depends_on edge shows in the model's upstream (top-level key: before its tables).
    const sidecarFile = join(dir, "models", "intermediate", "int_customer_totals.toml");
    writeFileSync(sidecarFile, `depends_on = ["orders_copy"]\n${readFileSync(sidecarFile, "utf8")}`);
    const sidecar = ask(["int_customer_totals"]);
    expect(sidecar.fromSnapshot).toBe(false);
    expect(JSON.stringify(sidecar.json)).toContain("orders_copy");

    // rocky.toml: a declared column of a source.
    const toml = join(dir, "rocky.toml");
    writeFileSync(
      toml,
      readFileSync(toml, "utf8").replace('"ordered_at"]', '"ordered_at", "${EXTRA_COLUMN:-channel}"]'),
    );
    const source = ask(["raw.orders"]);
    expect(source.fromSnapshot).toBe(false);
    expect(JSON.stringify(source.json.columns)).toContain("channel");
    expect(ask(["raw.orders"]).fromSnapshot).toBe(true);
    // The same rocky.toml with another value for a variable it names.
    const env = ask(["raw.orders"], { EXTRA_COLUMN: "region" });
    expect(env.fromSnapshot).toBe(false);
    expect(JSON.stringify(env.json.columns)).toContain("region");
  });

  test("a truncated, corrupt or foreign snapshot is ignored: lineage compiles and answers correctly", () => {
    const dir = fixtureCopy();
    const question = ["lineage", "top_customers", "--column", "total", "-o", "json"];
    const cold = rocky(question, { cwd: dir });
    expect(cold.code).toBe(0);
    const file = snapshotFile(dir);
    const good = readFileSync(file);
    /** A copy of the good file with one byte changed at `at` (from the end when negative). */
    const flipped = (at: number) => {
      const b = Buffer.from(good);
      b[at < 0 ? b.length + at : at]! ^= 1;
      return b;
    };
    const headerEnd = good.indexOf(10, good.indexOf(10) + 1) + 1;
    /** A foreign format whose checksum is right: only the format check rejects it. */
    const foreign = () => {
      const body = Buffer.from(
        good.subarray(headerEnd).toString("latin1").replace('{"format":5', '{"format":0'),
        "latin1",
      );
      expect(body.includes('{"format":0')).toBe(true);
      const lines = good.subarray(0, headerEnd).toString("latin1").split("\n");
      return Buffer.concat([
        Buffer.from(`${Bun.hash(body).toString(16).padStart(16, "0")}\n${lines[1]}\n`),
        body,
      ]);
    };
    const damaged = [
      () => truncateSync(file, Math.floor(good.length / 2)),
      () => writeFileSync(file, flipped(-3)), // in the numbers
      () => writeFileSync(file, flipped(headerEnd + 20)), // in the JSON header
      () => writeFileSync(file, foreign()),
      () => writeFileSync(file, "not json"),
    ];
    for (const damage of damaged) {
      damage();
      const again = rocky(question, { cwd: dir });
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(cold.stdout);
      // The compile that answered replaced the damaged file with a good one.
      expect(readFileSync(file).equals(good)).toBe(true);
    }
  });
});
