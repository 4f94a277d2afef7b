import { defineCommand } from "citty";
import { RockyError } from "../../errors.ts";

// Placeholder: replaced by the command's real implementation.
export default defineCommand({
  meta: { name: "test-adapter", description: "(not built yet)" },
  run() {
    throw new RockyError("'rocky test-adapter' is not built yet");
  },
});
