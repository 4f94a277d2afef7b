import { relative } from "node:path";
import type { Payload } from "../../output/common.ts";
import type { InitOutput } from "../../output/schemas/project.ts";
import { defineCommand } from "citty";
import { initProject } from "../../project/scaffold.ts";
import { emit, envelope } from "../output.ts";

export default defineCommand({
  meta: {
    name: "init",
    description:
      "Create a new rocky project in DIR (default: the current folder). Never overwrites.\n\nExample:\n  rocky init shop && cd shop && rocky compile",
  },
  args: { dir: { type: "positional", required: false, default: ".", description: "project folder" } },
  run({ args }) {
    const { dir, files } = initProject(String(args.dir));
    emit(envelope("init", { path: dir, files } satisfies Payload<typeof InitOutput>), () => {
      const rel = relative(process.cwd(), dir) || ".";
      return [
        `Created a rocky project in ${rel}`,
        ...files.map((f) => `  ${f}`),
        "",
        "Next:",
        ...(rel === "." ? [] : [`  cd ${rel}`]),
        "  rocky compile      # check the models",
        "  rocky run          # build them in DuckDB",
      ].join("\n");
    });
  },
});
