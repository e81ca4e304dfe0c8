import { describe, expect, it } from 'vitest';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import type { SessionStorage } from '../types.ts';
import { cachedStorage } from './cached.ts';
import { describeStorageContract } from '../../test/storage-contract.ts';
import { memoryStorage } from './memory.ts';

/**
 * A memory store behind an asynchronous front that counts calls, can be told to fail its
 * changes, and can hold reads (each read sees the store as it was when the read reached it).
 */
function spyStorage() {
  const store = memoryStorage();
  const calls = { read: 0, create: 0, compareAndSet: 0, invalidate: 0 };
  let failing = false;
  let held: Array<() => void> | undefined;
  const change = <T>(op: 'create' | 'compareAndSet' | 'invalidate', run: () => Promise<T>) => {
    calls[op]++;
    if (failing) return Promise.reject(new SessionStorageError('inner failed'));
    return run();
  };
  const storage: SessionStorage = {
    async read(key) {
      calls.read++;
      const value = await store.read(key);
      if (held) await new Promise<void>((resolve) => held?.push(resolve));
      return value;
    },
    create: (key, value, ttl) => change('create', () => store.create(key, value, ttl)),
    compareAndSet: (key, expected, next, ttl) => change('compareAndSet', () => store.compareAndSet(key, expected, next, ttl)),
    invalidate: (key) => change('invalidate', () => store.invalidate(key)),
  };
  return {
    storage,
    /** The store itself, behind the spy: what another instance would see. */
    store,
    calls,
    fail(on: boolean) {
      failing = on;
    },
    holdReads() {
      held = [];
    },
    releaseReads() {
      for (const release of held ?? []) release();
      held = undefined;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// `another` is a second instance's cache over the same inner store, as two app servers would have.
describeStorageContract('cachedStorage(memoryStorage)', async () => {
  const inner = memoryStorage();
  return { storage: cachedStorage(inner), another: () => cachedStorage(inner) };
});
describeStorageContract('cachedStorage(async inner)', async () => {
  const inner = spyStorage().storage;
  return { storage: cachedStorage(inner), another: () => cachedStorage(inner) };
});

describe('cachedStorage', () => {
  it('serves hits from memory without calling inner, and reads through once for the rest', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    await storage.create('key', 'value');
    for (let i = 0; i < 5; i++) expect(await storage.read('key')).toBe('value');
    expect(inner.calls.read).toBe(0);

    await inner.store.create('other', 'from-inner');
    expect(await storage.read('other')).toBe('from-inner');
    expect(await storage.read('other')).toBe('from-inner');
    expect(inner.calls.read).toBe(1);
  });

  it('does not cache misses: a session created elsewhere is seen at once', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    expect(await storage.read('key')).toBeUndefined();
    await inner.store.create('key', 'created-by-another-instance');
    expect(await storage.read('key')).toBe('created-by-another-instance');
    expect(inner.calls.read).toBe(2);
  });

  it('never resurrects an invalidated session from the cache', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    await storage.create('key', 'value');
    expect(await storage.read('key')).toBe('value');
    await storage.invalidate('key');
    expect(inner.calls.invalidate).toBe(1);
    expect(await storage.read('key')).toBeUndefined();
    expect(await storage.read('key')).toBeUndefined();
  });

  it.each([
    ['an invalidate', (s: SessionStorage) => s.invalidate('key'), undefined],
    ['a compare-and-set', (s: SessionStorage) => s.compareAndSet('key', 'old', 'new'), 'new'],
  ])('does not let a read that started before %s put the older value in the cache', async (_, change, after) => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    await inner.store.create('key', 'old');
    inner.holdReads();
    const slowRead = storage.read('key'); // reaches inner while 'old' is still there
    await change(storage);
    inner.releaseReads();
    expect(await slowRead).toBe('old');
    expect(await storage.read('key')).toBe(after);
  });

  it('does not let a read during an invalidate in flight refill the cache', async () => {
    const inner = spyStorage();
    let releaseInvalidate = () => {};
    const slowInvalidate: SessionStorage = {
      ...inner.storage,
      async invalidate(key) {
        await new Promise<void>((resolve) => {
          releaseInvalidate = resolve;
        });
        await inner.storage.invalidate(key);
      },
    };
    const storage = cachedStorage(slowInvalidate);
    await storage.create('key', 'old');
    const invalidating = storage.invalidate('key');
    expect(await storage.read('key')).toBe('old'); // inner has not forgotten it yet
    releaseInvalidate();
    await invalidating;
    expect(await storage.read('key')).toBeUndefined();
  });

  it('rejects when inner fails a change, and keeps no copy of the value it did not store', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    await storage.create('key', 'old');
    inner.fail(true);
    await expect(storage.compareAndSet('key', 'old', 'new')).rejects.toBeInstanceOf(SessionStorageError);
    await expect(storage.create('other', 'new')).rejects.toBeInstanceOf(SessionStorageError);
    inner.fail(false);
    expect(await storage.read('key')).toBe('old');
    expect(await storage.read('other')).toBeUndefined();
    expect(inner.calls.read).toBe(2); // the copy of 'key' was dropped before inner was asked
  });

  it('forgets cached values after ttlMs, so other instances’ changes are seen', async () => {
    const inner = spyStorage();
    const a = cachedStorage(inner.storage, { ttlMs: 50 });
    const b = cachedStorage(inner.storage, { ttlMs: 50 });
    await a.create('key', 'value');
    expect(await a.read('key')).toBe('value');
    await b.invalidate('key');
    await sleep(80);
    expect(await a.read('key')).toBeUndefined();
  });

  it('never caches past the value’s own ttlSeconds', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage, { ttlMs: 60_000 });
    await storage.create('key', 'value', 0.05);
    await inner.store.invalidate('key'); // as if inner expired it
    expect(await storage.read('key')).toBe('value');
    await sleep(80);
    expect(await storage.read('key')).toBeUndefined();
  });

  it('evicts the least recently used entry at maxEntries (falling back to inner)', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage, { maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) await storage.create(key, `${key}-value`);
    expect(await storage.read('a')).toBe('a-value');
    expect(inner.calls.read).toBe(1);
  });

  it('decides conditional writes in inner, caching only what inner stored', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    expect(await storage.create('key', 'v1')).toBe(true);
    expect(await storage.read('key')).toBe('v1');
    expect(inner.calls.read).toBe(0);
    // Another instance created it first: refused, and nothing is cached for it.
    await inner.store.create('taken', 'theirs');
    expect(await storage.create('taken', 'mine')).toBe(false);
    expect(await storage.read('taken')).toBe('theirs');
    expect(await storage.compareAndSet('key', 'v1', 'v2')).toBe(true);
    expect(await storage.read('key')).toBe('v2');
    expect(inner.calls.read).toBe(1);
    expect(await storage.compareAndSet('key', 'v2', undefined)).toBe(true);
    expect(await inner.store.read('key')).toBeUndefined();
    expect(await storage.read('key')).toBeUndefined();
  });

  it('drops a stale copy when a compare-and-set fails, so the retry reads the truth', async () => {
    const inner = spyStorage();
    const a = cachedStorage(inner.storage, { ttlMs: 60_000 });
    const b = cachedStorage(inner.storage, { ttlMs: 60_000 });
    await a.create('key', 'v1');
    expect(await b.compareAndSet('key', 'v1', 'v2')).toBe(true);
    expect(await a.read('key')).toBe('v1'); // stale, within ttlMs: documented
    expect(await a.compareAndSet('key', 'v1', 'lost-update')).toBe(false);
    expect(await a.read('key')).toBe('v2');
    expect(await a.compareAndSet('key', 'v2', 'v3')).toBe(true);
    expect(await inner.store.read('key')).toBe('v3');
  });

  it('never resurrects a record another instance cleared, through its stale copy', async () => {
    const inner = spyStorage();
    const a = cachedStorage(inner.storage, { ttlMs: 60_000 });
    const b = cachedStorage(inner.storage, { ttlMs: 60_000 });
    await a.create('key', 'logged-in');
    await b.invalidate('key');
    const stale = await a.read('key');
    expect(stale).toBe('logged-in');
    // A renewal or an update built on the stale copy is refused by inner and brings nothing back.
    expect(await a.compareAndSet('key', stale ?? '', 'renewed', 60)).toBe(false);
    expect(await inner.store.read('key')).toBeUndefined();
    expect(await a.read('key')).toBeUndefined();
  });

  it('refuses bad options at construction', () => {
    const inner = memoryStorage();
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => cachedStorage(inner, { ttlMs: bad })).toThrow(SessionConfigError);
      expect(() => cachedStorage(inner, { maxEntries: bad })).toThrow(SessionConfigError);
    }
  });
});
