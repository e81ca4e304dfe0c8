import { LRUCache } from 'lru-cache';
import { checkTtl, positiveInteger } from '../checks.ts';
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

/**
 * Sessions kept in this process's memory, bounded by `maxEntries` (LRU).
 * Good for development, tests and single-instance apps; everything is lost on restart
 * and nothing is shared between instances. Each operation checks and changes in one
 * synchronous step, so no other request can run in between.
 *
 * @example
 * ```ts
 * const storage = memoryStorage({ maxEntries: 10_000 });
 * await storage.create(key, '{"user":1}', 3600); // true
 * await storage.read(key); // '{"user":1}'
 * ```
 */
export function memoryStorage(options: MemoryStorageOptions = {}): SessionStorage {
  const max = positiveInteger('memoryStorage: `maxEntries`', options.maxEntries, 100_000);
  // No default ttl and no autopurge: no per-entry timers (nothing keeps the process alive);
  // expiry is checked on `get`, and an expired entry is never served, not even once.
  const cache = new LRUCache<string, string>({ max, ttlAutopurge: false, allowStale: false });

  /** lru-cache's ttl option: whole ms, rounded up so an entry never expires early; 0 is "no expiry". */
  function expiry(ttlSeconds: number | undefined): { ttl: number } {
    if (ttlSeconds !== undefined) checkTtl('memoryStorage', ttlSeconds);
    return { ttl: ttlSeconds === undefined ? 0 : Math.ceil(ttlSeconds * 1000) };
  }

  return {
    // `get` also refreshes recency, so a session in use is not the one evicted.
    read: async (key) => cache.get(key),
    async create(key, value, ttlSeconds) {
      const options = expiry(ttlSeconds);
      if (cache.get(key) !== undefined) return false;
      cache.set(key, value, options);
      return true;
    },
    async compareAndSet(key, expected, next, ttlSeconds) {
      const options = expiry(ttlSeconds);
      if (cache.get(key) !== expected) return false;
      // A ttl of 0 also clears the older entry's ttl: a swap without one never expires.
      if (next === undefined) cache.delete(key);
      else cache.set(key, next, options);
      return true;
    },
    async invalidate(key) {
      cache.delete(key);
    },
  };
}
