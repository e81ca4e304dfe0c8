import { LRUCache } from 'lru-cache';
import { SessionConfigError } from '../errors.ts';
import { checkTtl } from '../checks.ts';
import type { SessionStorage } from '../types.ts';

/**
 * Options of {@link memoryStorage}.
 *
 * @example
 * ```ts
 * const options: MemoryStorageOptions = { maxEntries: 10_000 };
 * ```
 */
export interface MemoryStorageOptions {
  /** Most sessions kept at once; the least recently used one is evicted first. Default 100 000. */
  maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * Sessions kept in this process's memory, bounded by `maxEntries` (LRU).
 * Good for development, tests and single-instance apps; everything is lost on restart
 * and nothing is shared between instances.
 *
 * Every method answers synchronously, so it costs no extra microtask.
 *
 * @example
 * ```ts
 * const storage = memoryStorage({ maxEntries: 10_000 });
 * storage.write(id, '{"user":1}', 3600);
 * storage.read(id); // '{"user":1}'
 * ```
 */
export function memoryStorage(options: MemoryStorageOptions = {}): SessionStorage {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isSafeInteger(maxEntries) || maxEntries <= 0) {
    throw new SessionConfigError('memoryStorage: `maxEntries` must be a positive integer.');
  }

  // No default `ttl` and ttlAutopurge off: lru-cache then starts no per-entry timers
  // (nothing keeps the process alive) and checks expiry lazily on `get`.
  const cache = new LRUCache<string, string>({
    max: maxEntries,
    ttlAutopurge: false,
    // An expired entry is never served, not even once.
    allowStale: false,
  });

  return {
    async read(id) {
      // `get` refreshes recency, so a session in use is not the one evicted.
      return cache.get(id);
    },
    async invalidate(id) {
      cache.delete(id);
    },
    // Check and change happen in one synchronous call: no other request can run in between.
    async create(id, value, ttlSeconds) {
      const ttl = ttlSeconds === undefined ? 0 : ttlToMs(ttlSeconds);
      if (cache.get(id) !== undefined) return false;
      cache.set(id, value, { ttl });
      return true;
    },
    async compareAndSet(id, expected, next, ttlSeconds) {
      const ttl = ttlSeconds === undefined ? 0 : ttlToMs(ttlSeconds);
      if (cache.get(id) !== expected) return false;
      if (next === undefined) cache.delete(id);
      else cache.set(id, next, { ttl });
      return true;
    },
  };
}

/** Whole milliseconds, rounded up so an entry never expires early. */
function ttlToMs(ttlSeconds: number): number {
  checkTtl('memoryStorage', ttlSeconds);
  return Math.ceil(ttlSeconds * 1000);
}
