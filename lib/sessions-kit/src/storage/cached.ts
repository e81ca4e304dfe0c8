import { LRUCache } from 'lru-cache';
import { SessionConfigError } from '../errors.ts';
import type { MaybePromise, SessionStorage } from '../types.ts';

/**
 * Options of {@link cachedStorage}.
 *
 * @example
 * ```ts
 * const options: CachedStorageOptions = { ttlMs: 1_000, maxEntries: 50_000 };
 * ```
 */
export interface CachedStorageOptions {
  /** How long a value read from or written to `inner` is served from memory. Default 5 000 ms. */
  ttlMs?: number;
  /** Most values kept in memory (least recently used evicted). Default 10 000. */
  maxEntries?: number;
}

const DEFAULT_TTL_MS = 5_000;
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * A short-lived in-process read-through cache in front of a slower storage (Redis, a
 * directory…), so a burst of requests for one session costs one round trip.
 *
 * - Only hits are cached: a cached miss would hide a session that another instance just wrote.
 * - Writes go to `inner` first; the cache learns the value only once `inner` accepted it.
 * - Invalidation drops the cached copy *before* asking `inner`, so a stale copy can never
 *   bring an invalidated session back.
 * - `create` and `compareAndSet` (offered when `inner` has them) are decided by `inner` alone;
 *   the cache only learns the outcome. A copy here that is stale (another instance changed
 *   the record) makes a compare-and-set fail and is dropped, so it cannot win a race.
 *
 * Another instance's invalidation is seen here after at most `ttlMs`; keep it short.
 *
 * @example
 * ```ts
 * const storage = cachedStorage(redisStorage({ url: process.env.REDIS_URL }), { ttlMs: 2_000 });
 * ```
 */
export function cachedStorage(inner: SessionStorage, options: CachedStorageOptions = {}): SessionStorage {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new SessionConfigError('cachedStorage: `ttlMs` must be a positive integer.');
  }
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
    throw new SessionConfigError('cachedStorage: `maxEntries` must be a positive integer.');
  }

  // ttlAutopurge off: expiry is checked lazily on `get`, and no timer keeps the process alive.
  const cache = new LRUCache<string, string>({ max: maxEntries, ttl: ttlMs, ttlAutopurge: false });

  // The latest in-flight operation per id. Only the latest may touch the cache when it
  // completes, so an older read or write finishing late cannot put an outdated value back.
  const pending = new Map<string, symbol>();

  function settle(id: string, token: symbol, fill: (() => void) | undefined): void {
    if (pending.get(id) !== token) return;
    pending.delete(id);
    fill?.();
  }

  const cached: SessionStorage = {
    read(id) {
      const hit = cache.get(id);
      if (hit !== undefined) return hit;
      // A write or invalidate in flight wins: this read may return what they are replacing,
      // so it must not fill the cache. Concurrent reads: the first one fills.
      const token = pending.has(id) ? undefined : Symbol('read');
      if (token) pending.set(id, token);
      return after(
        () => inner.read(id),
        (value) => {
          if (token) settle(id, token, value === undefined ? undefined : () => cache.set(id, value));
          return value;
        },
        () => {
          if (token) settle(id, token, undefined);
        },
      );
    },

    write(id, value, ttlSeconds) {
      // The old value is dropped first: if `inner` fails, its state is unknown, so serving
      // the old value from here could contradict it.
      cache.delete(id);
      const token = Symbol('write');
      pending.set(id, token);
      return after(
        () => inner.write(id, value, ttlSeconds),
        () => settle(id, token, () => cache.set(id, value, { ttl: entryTtl(ttlMs, ttlSeconds) })),
        () => settle(id, token, undefined),
      );
    },

    invalidate(id) {
      // Dropped before `inner` is asked, and no read may refill it until `inner` is done.
      cache.delete(id);
      const token = Symbol('invalidate');
      pending.set(id, token);
      const done = () => settle(id, token, undefined);
      return after(() => inner.invalidate(id), done, done);
    },
  };

  // Offered only when `inner` has them: a storage without conditional writes must stay
  // recognisable as such (update() then refuses clearly instead of racing).
  const { create, compareAndSet } = inner;
  if (create && compareAndSet) {
    /**
     * Like `write`: the cached copy goes first and comes back only if `inner` stored the new
     * value. After a refusal it stays out, so the caller's next read (a retry, most likely)
     * asks `inner` instead of meeting the same stale copy again.
     */
    const conditionally = (id: string, next: string | undefined, ttlSeconds: number | undefined, run: () => MaybePromise<boolean>) => {
      cache.delete(id);
      const token = Symbol('conditional');
      pending.set(id, token);
      return after(
        run,
        (stored) => {
          const fill = stored && next !== undefined ? () => cache.set(id, next, { ttl: entryTtl(ttlMs, ttlSeconds) }) : undefined;
          settle(id, token, fill);
          return stored;
        },
        () => settle(id, token, undefined),
      );
    };
    cached.create = (id, value, ttlSeconds) => conditionally(id, value, ttlSeconds, () => create.call(inner, id, value, ttlSeconds));
    cached.compareAndSet = (id, expected, next, ttlSeconds) =>
      conditionally(id, next, ttlSeconds, () => compareAndSet.call(inner, id, expected, next, ttlSeconds));
  }
  return cached;
}

/** The cached copy never outlives the stored value. */
function entryTtl(ttlMs: number, ttlSeconds: number | undefined): number {
  if (ttlSeconds === undefined || !(ttlSeconds > 0)) return ttlMs;
  return Math.max(1, Math.min(ttlMs, Math.floor(ttlSeconds * 1000)));
}

/**
 * Runs `onValue` (or `onError`, then rethrows) after `run()`, synchronously when it does
 * not return a promise, so a synchronous inner storage stays synchronous.
 */
function after<T, R>(run: () => MaybePromise<T>, onValue: (value: T) => R, onError: () => void): MaybePromise<R> {
  let result: MaybePromise<T>;
  try {
    result = run();
  } catch (err) {
    onError();
    throw err;
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then(onValue, (err: unknown) => {
      onError();
      throw err;
    });
  }
  return onValue(result);
}

function isPromiseLike<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
