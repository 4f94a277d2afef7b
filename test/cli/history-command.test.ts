/** `rocky history` names the command that recorded each run (run, seed, …), in text and JSON. */
import { expect, test } from "bun:test";
import { rocky } from "../helpers/cli.ts";
import { expectOurSchema } from "../helpers/schema.ts";
import { expectOk, makeProject } from "../run/project.ts";

test("history: a COMMAND column and a command field per run", () => {
  const dir = makeProject({
    "seeds/codes.csv": "code\nFR\n",
    "models/a.sql": "SELECT count(*) AS n FROM codes\n",
  });
  expectOk(rocky(["seed"], { cwd: dir }));
  expectOk(rocky(["run"], { cwd: dir }));

  const j = rocky(["history", "-o", "json"], { cwd: dir });
  expectOk(j);
  expectOurSchema("history", j.json());
  const runs = j.json<{ runs: { command: string }[] }>().runs;
  expect(runs.map((r) => r.command)).toEqual(["run", "seed"]);

  const t = rocky(["history", "-o", "table"], { cwd: dir });
  expectOk(t);
  const [header, newest, older] = t.stdout.split("\n");
  expect(header).toMatch(/STATUS +COMMAND +TRIGGER/);
  const col = header!.indexOf("COMMAND");
  expect(newest!.slice(col).split(/ +/)[0]).toBe("run");
  expect(older!.slice(col).split(/ +/)[0]).toBe("seed");
});
