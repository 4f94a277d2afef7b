import { defineCommand } from "citty";
import { RockyError } from "../../errors.ts";

// Placeholder: replaced by the command's real implementation.
export default defineCommand({
  meta: { name: "adapters", description: "(not built yet)" },
  run() {
    throw new RockyError("'rocky adapters' is not built yet");
  },
});
