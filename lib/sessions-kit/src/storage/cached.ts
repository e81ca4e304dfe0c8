import { LRUCache } from 'lru-cache';
import { positiveInteger } from '../checks.ts';
import type { SessionStorage } from '../types.ts';

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
 * - Only hits are cached: a cached miss would hide a session that another instance just created.
 * - `create` and `compareAndSet` are decided by `inner` alone; the cached copy is dropped first
 *   and comes back only as the value `inner` stored. A copy here that is stale (another
 *   instance changed the record) makes a compare-and-set fail in `inner`, so it cannot win a
 *   race, and stays dropped, so the caller's retry reads the truth.
 * - Invalidation drops the cached copy *before* asking `inner`, so a stale copy can never
 *   bring an invalidated session back.
 * - Only the latest operation on a key may fill the cache when it ends, so an older read
 *   finishing late cannot put back a value that a change has replaced.
 *
 * Another instance's change is seen here after at most `ttlMs`; keep it short.
 *
 * @example
 * ```ts
 * const storage = cachedStorage(redisStorage({ url: () => process.env.REDIS_URL }), { ttlMs: 2_000 });
 * ```
 */
export function cachedStorage(inner: SessionStorage, options: CachedStorageOptions = {}): SessionStorage {
  const ttlMs = positiveInteger('cachedStorage: `ttlMs`', options.ttlMs, DEFAULT_TTL_MS);
  const max = positiveInteger('cachedStorage: `maxEntries`', options.maxEntries, DEFAULT_MAX_ENTRIES);
  // ttlAutopurge off: expiry is checked lazily on `get`, and no timer keeps the process alive.
  const cache = new LRUCache<string, string>({ max, ttl: ttlMs, ttlAutopurge: false });
  /** The latest operation in flight per key. */
  const latest = new Map<string, symbol>();

  /**
   * Runs `op` on `inner` as the latest operation on `key`. If it is still the latest when it
   * succeeds, `keep(result)` names the value to cache (undefined: nothing).
   */
  async function through<T>(key: string, op: () => Promise<T>, keep: (result: T) => string | undefined, ttlSeconds?: number): Promise<T> {
    const token = Symbol(key);
    latest.set(key, token);
    try {
      const result = await op();
      const value = latest.get(key) === token ? keep(result) : undefined;
      if (value !== undefined) cache.set(key, value, { ttl: entryTtl(ttlMs, ttlSeconds) });
      return result;
    } finally {
      if (latest.get(key) === token) latest.delete(key);
    }
  }

  return {
    async read(key) {
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      // A change in flight wins: this read may return what it is replacing, so it must not
      // fill the cache. Of concurrent reads, the first one fills.
      if (latest.has(key)) return inner.read(key);
      return through(key, () => inner.read(key), (value) => value);
    },
    create(key, value, ttlSeconds) {
      cache.delete(key);
      return through(key, () => inner.create(key, value, ttlSeconds), (stored) => (stored ? value : undefined), ttlSeconds);
    },
    compareAndSet(key, expected, next, ttlSeconds) {
      cache.delete(key);
      return through(key, () => inner.compareAndSet(key, expected, next, ttlSeconds), (done) => (done ? next : undefined), ttlSeconds);
    },
    invalidate(key) {
      // Dropped before `inner` is asked, and no read may refill it until `inner` is done.
      cache.delete(key);
      return through(key, () => inner.invalidate(key), () => undefined);
    },
  };
}

/** The cached copy never outlives the stored value. */
function entryTtl(ttlMs: number, ttlSeconds: number | undefined): number {
  if (ttlSeconds === undefined || !(ttlSeconds > 0)) return ttlMs;
  return Math.max(1, Math.min(ttlMs, Math.floor(ttlSeconds * 1000)));
}
