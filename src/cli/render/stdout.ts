/**
 * Write to stdout and wait until the data is handed to the OS. Needed because the CLI
 * exits with process.exit(): with a slow reader on a pipe (an orchestrator parsing a
 * multi-megabyte compile payload), Bun otherwise drops whatever is still queued past
 * the first 64 KiB. Awaiting the write's own callback is what reliably waits.
 */
export function writeStdout(text: string): Promise<void> {
  const data = text.endsWith("\n") ? text : `${text}\n`;
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (err) => (err ? reject(err) : resolve()));
  });
}
