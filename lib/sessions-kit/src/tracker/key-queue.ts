/**
 * Within one process, conditional read-modify-writes of one record take turns.
 *
 * Compare-and-set alone is correct, but when many requests in one instance
 * update one session at once, all but one of each round lose and retry, and
 * on a slow store (a directory with fsync, a remote Redis) they can run out
 * of retries. Queueing them per storage and key turns that into one attempt
 * each; requests in other instances still meet at the store's own
 * compare-and-set. The wait for a turn is bounded, so a slow or re-entrant
 * `fn` can delay the queue but never deadlock it: after the bound a waiter
 * goes ahead and relies on compare-and-set alone.
 */
import type { SessionStorage } from '../types.ts';

/** Longest wait for the previous holder before going ahead anyway. */
const MAX_WAIT_MS = 500;

const queues = new WeakMap<SessionStorage, Map<string, Promise<void>>>();

/**
 * Runs `task` after the previous task for (`storage`, `key`) in this process, or after
 * MAX_WAIT_MS; `task` learns whether it waited (then the record it loaded is likely stale).
 */
export async function inTurn<T>(storage: SessionStorage, key: string, task: (waited: boolean) => Promise<T>): Promise<T> {
  let byKey = queues.get(storage);
  if (!byKey) {
    byKey = new Map();
    queues.set(storage, byKey);
  }
  const previous = byKey.get(key);
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const tail = previous ? previous.then(() => mine) : mine;
  byKey.set(key, tail);
  try {
    if (previous) await waitAtMost(previous, MAX_WAIT_MS);
    return await task(previous !== undefined);
  } finally {
    release();
    // The last in line cleans up, so idle keys cost nothing.
    if (byKey.get(key) === tail) byKey.delete(key);
  }
}

function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
