/**
 * Bounded retries for compare-and-set loops. Within one process, writers of
 * one record already take turns (key-queue.ts); these retries settle races
 * between app instances. A failed compare means another writer just
 * succeeded, so the system always makes progress; the jittered pause spreads
 * the losers out so they do not collide again in lock step. Each pause is
 * scaled by how long the lost attempt took, so a slow or busy store (a
 * directory under fsync, a loaded Redis) spreads its retries over a wider
 * window than memory does.
 */

/** Attempts per conditional operation, the first included; then SessionConflictError. */
export const MAX_ATTEMPTS = 12;

/** No single pause is longer than this. */
const MAX_PAUSE_MS = 500;

/** Pause before attempt `attempt` (2, 3, …): uniform in [0, attemptMs · 2^(attempt-2)), at least 1 ms wide. */
export function pauseBeforeRetry(attempt: number, attemptMs: number): Promise<void> {
  const window = Math.min(MAX_PAUSE_MS, Math.max(1, attemptMs) * 2 ** (attempt - 2));
  const ms = Math.random() * window;
  return new Promise((resolve) => setTimeout(resolve, ms));
}
