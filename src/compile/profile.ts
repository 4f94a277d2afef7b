/**
 * Phase marks for performance work: with ROCKY_PROFILE=1, each mark prints the
 * milliseconds since process start and the main thread's CPU time to stderr. Off by
 * default, and then a no-op, so the marks can stay in the code.
 */
const enabled = process.env.ROCKY_PROFILE === "1";
let lastWall = 0;

export function mark(label: string): void {
  if (!enabled) return;
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const rss = process.memoryUsage.rss() / 1048576;
  console.error(
    `[profile] ${label.padEnd(28)} +${(wall - lastWall).toFixed(0).padStart(5)} ms  at ${wall.toFixed(0).padStart(5)} ms  cpu ${((cpu.user + cpu.system) / 1000).toFixed(0).padStart(5)} ms  rss ${rss.toFixed(0)} MB`,
  );
  lastWall = wall;
}
