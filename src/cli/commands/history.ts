import { defineCommand } from "citty";
import { RockyError } from "../../errors.ts";

// Placeholder: replaced by the command's real implementation.
export default defineCommand({
  meta: { name: "history", description: "(not built yet)" },
  run() {
    throw new RockyError("'rocky history' is not built yet");
  },
});
