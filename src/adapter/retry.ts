/**
 * Bounded exponential backoff for transient service errors (HTTP 429/503, a reset
 * connection), shared by the built-in cloud adapters.
 */
export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the first retry; doubled each time, with jitter, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8000 };

export async function withRetry<T>(
  fn: () => Promise<T>,
  isTransient: (e: unknown) => boolean,
  policy: RetryPolicy,
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= policy.attempts || !isTransient(e)) throw e;
      const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      // Full jitter on the upper half: spreads retries of parallel models apart.
      const delay = Math.round(exp / 2 + (Math.random() * exp) / 2);
      onRetry?.(e, attempt, delay);
      await Bun.sleep(delay);
    }
  }
}
