/**
 * Contention on one record: within one process, conditional read-modify-writes of one key take
 * turns; between processes, a lost compare-and-set is retried a bounded number of times after a
 * jittered pause.
 *
 * Compare-and-set alone is correct, but when many requests in one instance update one record at
 * once, all but one of each round lose and retry, and on a slow store (a directory with fsync, a
 * remote Redis) they can run out of retries. Queueing them per storage and key turns that into
 * one attempt each; requests in other instances still meet at the store's own compare-and-set.
 * The wait for a turn is bounded, so a slow or re-entrant task can delay the queue but never
 * deadlock it: after the bound a waiter goes ahead and relies on compare-and-set alone.
 */
import { SessionConfigError, SessionConflictError, SessionStorageError } from '../errors.ts';
import type { SessionStorage } from '../types.ts';

/** Attempts per conditional operation, the first included; then SessionConflictError. */
export const MAX_ATTEMPTS = 12;
/** Longest wait for the previous holder before going ahead anyway. */
const MAX_WAIT_MS = 500;
/** No single pause between attempts is longer than this. */
const MAX_PAUSE_MS = 500;

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

const batches = new WeakMap<SessionStorage, Map<string, unknown[]>>();

/**
 * Runs `job` in turn for (`storage`, `key`) together with the jobs for that key that arrive while
 * an earlier one holds the turn: they wait as one batch, and `run` gets them all in arrival
 * order. The first job of an idle key runs at once and alone (`waited` false). `run` settles
 * each job itself.
 */
export function together<J>(storage: SessionStorage, key: string, job: J, run: (jobs: J[], waited: boolean) => Promise<void>): void {
  let byKey = batches.get(storage);
  if (!byKey) {
    byKey = new Map();
    batches.set(storage, byKey);
  }
  const open = byKey.get(key) as J[] | undefined;
  if (open) {
    open.push(job);
    return;
  }
  const batch = [job];
  byKey.set(key, batch);
  // The batch closes when its turn comes (at once, within this call, for an idle key).
  void inTurn(storage, key, (waited) => {
    if (byKey.get(key) === batch) byKey.delete(key);
    return run(batch, waited);
  });
}

/**
 * Calls `attempt` (1, 2, …) until it returns a result, pausing between attempts; after
 * MAX_ATTEMPTS it throws SessionConflictError with `what` in its message. A failed compare means
 * another writer just succeeded, so the system always makes progress; the pause is uniform in
 * [0, lastAttemptMs · 2^(n-2)), so a slow store spreads its retries over a wider window.
 */
export async function retrying<R>(what: string, attempt: (n: number) => Promise<R | undefined>): Promise<R> {
  for (let n = 1; ; n++) {
    const started = Date.now();
    const result = await attempt(n);
    if (result !== undefined) return result;
    if (n >= MAX_ATTEMPTS) throw new SessionConflictError(`${what} changed under it ${MAX_ATTEMPTS} times in a row; try the request again.`);
    const window = Math.min(MAX_PAUSE_MS, Math.max(1, Date.now() - started) * 2 ** (n - 1));
    await new Promise((resolve) => setTimeout(resolve, Math.random() * window));
  }
}

/** `promise`'s value, or undefined once `ms` have passed (the promise itself goes on). */
function waitAtMost<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * How `task` settled, or undefined when it took longer than a turn may be waited for (it goes on
 * running): a task in a batch must not hold the others past the bound a turn has.
 */
export function settledInTime<T>(task: () => T | Promise<T>): Promise<{ value: T } | { error: unknown } | undefined> {
  const settled = (async () => task())().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return waitAtMost(settled, MAX_WAIT_MS);
}

/** Runs storage calls for session `sessionName`: any failure that is not already typed becomes a SessionStorageError. */
export type Guard = <R>(what: string, run: () => Promise<R>) => Promise<R>;

export function storageGuard(sessionName: string): Guard {
  return async (what, run) => {
    try {
      return await run();
    } catch (error) {
      // A conflict, or a storage misconfigured (no url at run time), is not an outage: as it is.
      if (error instanceof SessionConflictError || error instanceof SessionConfigError) throw error;
      if (error instanceof SessionStorageError) {
        // The storage's own typed error passes through, with the operation for events added.
        (error as { operation?: string }).operation ??= what;
        throw error;
      }
      // Whatever else the storage threw is a storage fault, never "no session"; the message names no key.
      throw new SessionStorageError(`Session storage failed to ${what} session "${sessionName}".`, { cause: error, operation: what });
    }
  };
}
