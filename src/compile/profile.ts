/**
 * Phase marks for performance work: with ROCKY_PROFILE=1, each mark prints the
 * milliseconds since process start, the main thread's CPU time, the RSS and the JS
 * heap in use to stderr (RSS minus heap is roughly native memory: DuckDB's parser,
 * Bun's buffers), and the peak RSS at exit. Off by default, and then a no-op, so the
 * marks can stay in the code.
 */
const enabled = process.env.ROCKY_PROFILE === "1";
let lastWall = 0;

export function mark(label: string): void {
  if (!enabled) return;
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  console.error(
    `[profile] ${label.padEnd(28)} +${(wall - lastWall).toFixed(0).padStart(5)} ms  at ${wall.toFixed(0).padStart(5)} ms  cpu ${((cpu.user + cpu.system) / 1000).toFixed(0).padStart(5)} ms  rss ${(mem.rss / 1048576).toFixed(0).padStart(4)} MB  heap ${(mem.heapUsed / 1048576).toFixed(0).padStart(4)} MB`,
  );
  lastWall = wall;
}

if (enabled)
  process.on("exit", () => {
    mark("exit");
    // maxRSS is in kilobytes.
    console.error(`[profile] peak rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  });
