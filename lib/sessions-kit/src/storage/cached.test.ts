import { describe, expect, it } from 'vitest';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import type { SessionStorage } from '../types.ts';
import { cachedStorage } from './cached.ts';
import { conditional, describeStorageContract } from '../../test/storage-contract.ts';
import { memoryStorage } from './memory.ts';

/** An async storage over a Map that counts calls and can be told to fail or to hold its reads. */
function spyStorage() {
  const data = new Map<string, string>();
  const expiries = new Map<string, number>();
  const calls = { read: 0, write: 0, invalidate: 0, create: 0, compareAndSet: 0 };
  let failWrites = false;
  let heldReads: Array<() => void> | undefined;
  const storage: SessionStorage = {
    async read(id) {
      calls.read++;
      const expiry = expiries.get(id);
      if (expiry !== undefined && expiry <= Date.now()) data.delete(id);
      const value = data.get(id); // what the store holds when the read reaches it
      if (heldReads) await new Promise<void>((resolve) => heldReads?.push(resolve));
      return value;
    },
    async write(id, value, ttlSeconds) {
      calls.write++;
      if (failWrites) throw new SessionStorageError('inner write failed');
      data.set(id, value);
      if (ttlSeconds === undefined) expiries.delete(id);
      else expiries.set(id, Date.now() + ttlSeconds * 1000);
    },
    async invalidate(id) {
      calls.invalidate++;
      data.delete(id);
    },
    // Check and change in one synchronous step after the await: atomic, like a real store's.
    async create(id, value, ttlSeconds) {
      calls.create++;
      await Promise.resolve();
      if (live(id) !== undefined) return false;
      store(id, value, ttlSeconds);
      return true;
    },
    async compareAndSet(id, expected, next, ttlSeconds) {
      calls.compareAndSet++;
      await Promise.resolve();
      if (live(id) !== expected) return false;
      if (next === undefined) data.delete(id);
      else store(id, next, ttlSeconds);
      return true;
    },
  };
  function live(id: string): string | undefined {
    const expiry = expiries.get(id);
    if (expiry !== undefined && expiry <= Date.now()) data.delete(id);
    return data.get(id);
  }
  function store(id: string, value: string, ttlSeconds: number | undefined): void {
    data.set(id, value);
    if (ttlSeconds === undefined) expiries.delete(id);
    else expiries.set(id, Date.now() + ttlSeconds * 1000);
  }
  return {
    storage,
    data,
    calls,
    failWrites(on: boolean) {
      failWrites = on;
    },
    holdReads() {
      heldReads = [];
    },
    releaseReads() {
      const held = heldReads ?? [];
      heldReads = undefined;
      for (const release of held) release();
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
  it('serves hits from memory without calling inner', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    await storage.write('id', 'value');
    for (let i = 0; i < 5; i++) expect(await storage.read('id')).toBe('value');
    expect(inner.calls.read).toBe(0);

    // Read-through: a value only inner knows is fetched once, then cached.
    inner.data.set('other', 'from-inner');
    expect(await storage.read('other')).toBe('from-inner');
    expect(await storage.read('other')).toBe('from-inner');
    expect(inner.calls.read).toBe(1);
  });

  it('does not cache misses: a session written elsewhere is seen at once', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    expect(await storage.read('id')).toBeUndefined();
    inner.data.set('id', 'written-by-another-instance');
    expect(await storage.read('id')).toBe('written-by-another-instance');
    expect(inner.calls.read).toBe(2);
  });

  it('never resurrects an invalidated session from the cache', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    await storage.write('id', 'value');
    expect(await storage.read('id')).toBe('value');
    await storage.invalidate('id');
    expect(inner.calls.invalidate).toBe(1);
    expect(await storage.read('id')).toBeUndefined();
    expect(await storage.read('id')).toBeUndefined();
  });

  it('does not let a read that started before an invalidate refill the cache', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    inner.data.set('id', 'old');
    inner.holdReads();
    const slowRead = storage.read('id'); // reaches inner while 'old' is still there
    await storage.invalidate('id');
    inner.releaseReads();
    expect(await slowRead).toBe('old');
    expect(await storage.read('id')).toBeUndefined();
  });

  it('does not let a read during an invalidate in flight refill the cache', async () => {
    const inner = spyStorage();
    let releaseInvalidate = () => {};
    const slowInvalidate: SessionStorage = {
      ...inner.storage,
      async invalidate(id) {
        await new Promise<void>((resolve) => {
          releaseInvalidate = resolve;
        });
        await inner.storage.invalidate(id);
      },
    };
    const storage = cachedStorage(slowInvalidate);
    await storage.write('id', 'old');
    const invalidating = storage.invalidate('id');
    expect(await storage.read('id')).toBe('old'); // inner has not forgotten it yet
    releaseInvalidate();
    await invalidating;
    expect(await storage.read('id')).toBeUndefined();
  });

  it('does not let a read that started before a write put the older value in the cache', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    inner.data.set('id', 'old');
    inner.holdReads();
    const slowRead = storage.read('id');
    await storage.write('id', 'new');
    inner.releaseReads();
    expect(await slowRead).toBe('old');
    expect(await storage.read('id')).toBe('new');
  });

  it('rejects when inner write fails and does not cache the unwritten value', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage);
    await storage.write('id', 'old');
    inner.failWrites(true);
    await expect(storage.write('id', 'new')).rejects.toBeInstanceOf(SessionStorageError);
    inner.failWrites(false);
    expect(await storage.read('id')).toBe('old');
    expect(inner.data.get('id')).toBe('old');
  });

  it('also handles an inner storage that throws synchronously', () => {
    const failing: SessionStorage = {
      read: () => undefined,
      write: () => {
        throw new SessionStorageError('sync failure');
      },
      invalidate: () => undefined,
    };
    const storage = cachedStorage(failing);
    expect(() => storage.write('id', 'value')).toThrow(SessionStorageError);
    expect(storage.read('id')).toBeUndefined();
  });

  it('stays synchronous over a synchronous inner storage', () => {
    const storage = cachedStorage(memoryStorage());
    expect(storage.write('id', 'value')).toBeUndefined();
    expect(storage.read('id')).toBe('value');
    expect(storage.invalidate('id')).toBeUndefined();
    expect(storage.read('id')).toBeUndefined();
  });

  it('forgets cached values after ttlMs, so other instances’ changes are seen', async () => {
    const inner = spyStorage();
    const a = cachedStorage(inner.storage, { ttlMs: 50 });
    const b = cachedStorage(inner.storage, { ttlMs: 50 });
    await a.write('id', 'value');
    expect(await a.read('id')).toBe('value');
    await b.invalidate('id');
    await sleep(80);
    expect(await a.read('id')).toBeUndefined();
  });

  it('never caches past the value’s own ttlSeconds', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage, { ttlMs: 60_000 });
    await storage.write('id', 'value', 0.05);
    inner.data.delete('id'); // as if inner expired it
    expect(await storage.read('id')).toBe('value');
    await sleep(80);
    expect(await storage.read('id')).toBeUndefined();
  });

  it('evicts the least recently used entry at maxEntries (falling back to inner)', async () => {
    const inner = spyStorage();
    const storage = cachedStorage(inner.storage, { maxEntries: 2 });
    await storage.write('a', '1');
    await storage.write('b', '2');
    await storage.write('c', '3');
    expect(await storage.read('a')).toBe('1');
    expect(inner.calls.read).toBe(1);
  });

  it('offers create and compareAndSet only when inner has them', () => {
    const { create: _create, compareAndSet: _compareAndSet, ...plain } = spyStorage().storage;
    const storage = cachedStorage(plain);
    expect(storage.create).toBeUndefined();
    expect(storage.compareAndSet).toBeUndefined();
    expect(typeof cachedStorage(memoryStorage()).compareAndSet).toBe('function');
  });

  it('decides conditional writes in inner, caching only what inner stored', async () => {
    const inner = spyStorage();
    const storage = conditional(cachedStorage(inner.storage));
    expect(await storage.create('id', 'v1')).toBe(true);
    expect(await storage.read('id')).toBe('v1');
    expect(inner.calls.read).toBe(0);
    // Another instance created it first: refused, and nothing is cached for it.
    inner.data.set('taken', 'theirs');
    expect(await storage.create('taken', 'mine')).toBe(false);
    expect(await storage.read('taken')).toBe('theirs');
    expect(await storage.compareAndSet('id', 'v1', 'v2')).toBe(true);
    expect(await storage.read('id')).toBe('v2');
    expect(inner.calls.read).toBe(1);
    expect(await storage.compareAndSet('id', 'v2', undefined)).toBe(true);
    expect(inner.data.has('id')).toBe(false);
    expect(await storage.read('id')).toBeUndefined();
  });

  it('drops a stale copy when a compare-and-set fails, so the retry reads the truth', async () => {
    const inner = spyStorage();
    const a = conditional(cachedStorage(inner.storage, { ttlMs: 60_000 }));
    const b = conditional(cachedStorage(inner.storage, { ttlMs: 60_000 }));
    await a.write('id', 'v1');
    expect(await b.compareAndSet('id', 'v1', 'v2')).toBe(true);
    expect(await a.read('id')).toBe('v1'); // stale, within ttlMs: documented
    expect(await a.compareAndSet('id', 'v1', 'lost-update')).toBe(false);
    expect(await a.read('id')).toBe('v2');
    expect(await a.compareAndSet('id', 'v2', 'v3')).toBe(true);
    expect(inner.data.get('id')).toBe('v3');
  });

  it('never resurrects a record another instance cleared, through its stale copy', async () => {
    const inner = spyStorage();
    const a = conditional(cachedStorage(inner.storage, { ttlMs: 60_000 }));
    const b = cachedStorage(inner.storage, { ttlMs: 60_000 });
    await a.write('id', 'logged-in');
    await b.invalidate('id');
    const stale = await a.read('id');
    expect(stale).toBe('logged-in');
    // A renewal or an update built on the stale copy is refused by inner and brings nothing back.
    expect(await a.compareAndSet('id', stale ?? '', 'renewed', 60)).toBe(false);
    expect(inner.data.has('id')).toBe(false);
    expect(await a.read('id')).toBeUndefined();
  });

  it('does not let a read that started before a compare-and-set refill the cache with the old value', async () => {
    const inner = spyStorage();
    const storage = conditional(cachedStorage(inner.storage));
    inner.data.set('id', 'old');
    inner.holdReads();
    const slowRead = storage.read('id');
    expect(await storage.compareAndSet('id', 'old', 'new')).toBe(true);
    inner.releaseReads();
    expect(await slowRead).toBe('old');
    expect(await storage.read('id')).toBe('new');
  });

  it('stays synchronous over a synchronous inner storage, conditional writes included', () => {
    const storage = conditional(cachedStorage(memoryStorage()));
    expect(storage.create('id', 'v1')).toBe(true);
    expect(storage.compareAndSet('id', 'v1', 'v2')).toBe(true);
    expect(storage.read('id')).toBe('v2');
  });

  it('refuses bad options at construction', () => {
    const inner = memoryStorage();
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => cachedStorage(inner, { ttlMs: bad })).toThrow(SessionConfigError);
      expect(() => cachedStorage(inner, { maxEntries: bad })).toThrow(SessionConfigError);
    }
  });
});
