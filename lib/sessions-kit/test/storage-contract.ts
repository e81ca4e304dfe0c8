import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStorageError } from '../src/errors.ts';
import type { SessionStorage } from '../src/types.ts';

/**
 * One storage under test: empty, plus how to dispose of it.
 *
 * @example
 * ```ts
 * const made: StorageUnderTest = { storage: directoryStorage(dir), another: () => directoryStorage(dir) };
 * ```
 */
export interface StorageUnderTest {
  storage: SessionStorage;
  /**
   * Another handle on the same data, as a second app instance would hold (its own connection,
   * its own in-process state). Concurrency tests spread their writers over several handles, so
   * the store itself must arbitrate, not one object's in-memory bookkeeping.
   */
  another?: () => SessionStorage;
  cleanup?: () => Promise<void>;
}

/**
 * What a contract run needs: a fresh, empty storage per test.
 *
 * @example
 * ```ts
 * const make: StorageFactory = async () => {
 *   const dir = await mkdtemp(join(tmpdir(), 'sessions-'));
 *   return { storage: directoryStorage(dir), cleanup: () => rm(dir, { recursive: true }) };
 * };
 * ```
 */
export type StorageFactory = () => Promise<StorageUnderTest>;

/**
 * Keys no storage may let reach a path, a glob, a pattern or another key's record. Keys come
 * from the tracker as hashes, so a storage may also refuse what it cannot store as is
 * (with a `SessionStorageError`; such a key then reads as no record).
 *
 * @example
 * ```ts
 * for (const key of HOSTILE_KEYS) await storage.create(key, 'value').catch(() => undefined);
 * ```
 */
export const HOSTILE_KEYS: readonly string[] = [
  '../../etc/passwd',
  '..\\x',
  '%2e%2e%2f',
  'a\u0000b',
  'a'.repeat(10 * 1024),
  '*?[',
  '',
];

/**
 * Random keys in the spirit of {@link HOSTILE_KEYS}: any Unicode, path pieces, glob and pattern
 * characters, and a few huge ones. Always well-formed text, as keys made by the tracker are
 * (ASCII): a storage need not keep apart strings that UTF-8 cannot (lone surrogates).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(hostileKey, (key) => typeof key === 'string'));
 * ```
 */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.constantFrom('..', '.', '/', '\\', '\u0000', '%2e', '%2f', '*', '?', '[', ']', '{', '}', '~', 'C:', 'etc', 'passwd', ' ', '\n', 'sess:'), {
        maxLength: 12,
      })
      .map((parts) => parts.join('')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', '/', '..', '\u{1F600}'), fc.integer({ min: 5_000, max: 60_000 }))
      .map(([piece, times]) => piece.repeat(times)),
  },
);

/**
 * The concurrency figures of one contract run: how many writers, how many operations each
 * had to get through, and how many of those the store lost (must be 0).
 */
export interface ConcurrencyFigures {
  storage: string;
  test: string;
  writers: number;
  operations: number;
  attempts: number;
  lost: number;
}

/**
 * Figures of the concurrency tests, for reports. Printed when `SESSIONS_KIT_FIGURES=1`.
 *
 * @example
 * ```ts
 * afterAll(() => console.table(concurrencyFigures));
 * ```
 */
export const concurrencyFigures: ConcurrencyFigures[] = [];

function record(figures: ConcurrencyFigures): void {
  concurrencyFigures.push(figures);
  if (process.env.SESSIONS_KIT_FIGURES === '1') console.info(JSON.stringify(figures));
}

/** How large the concurrency tests are; the defaults are what every built-in storage must pass. */
export interface ContractOptions {
  /** Concurrent writers on one key. Default 20. */
  writers?: number;
  /** Compare-and-set increments each writer must land. Default 10. */
  increments?: number;
  /** Runs of the random-key property. Default 25. */
  propertyRuns?: number;
}

/** A key as the tracker makes them: base64url(SHA-256(…)), 43 characters. */
const TRACKER_KEY = 'nJ5fY0h3-Qx_2ZkT8wVbA1cDeFgHiJkLmNoPqRsTuVw';

/** A bound for the heavy tests on a loaded machine; not a speed target. */
const HEAVY_TIMEOUT_MS = 120_000;

/** How many instances of a store the concurrency tests open at most (see `another`). */
const INSTANCES = 4;

/** A writer gives up after this many lost races in a row: far above what fair contention needs. */
const MAX_CONFLICTS_PER_INCREMENT = 2_000;

/**
 * Registers the behaviour every `SessionStorage` must share, as a Vitest suite.
 * Call it from each storage's test file; `make` must return an empty storage.
 *
 * @example
 * ```ts
 * describeStorageContract('memoryStorage', async () => ({ storage: memoryStorage() }));
 * ```
 */
export function describeStorageContract(name: string, make: StorageFactory, options: ContractOptions = {}): void {
  const writers = options.writers ?? 20;
  const increments = options.increments ?? 10;
  const propertyRuns = options.propertyRuns ?? 25;

  describe(`${name} (SessionStorage contract)`, () => {
    let storage: SessionStorage;
    let another: (() => SessionStorage) | undefined;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ storage, another, cleanup } = await make());
    });

    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    /**
     * Who checks the outcome of a race: a fresh handle when the storage offers one, so a
     * per-instance cache (stale for a bounded time, by design) does not hide what the store holds.
     */
    function observer(): SessionStorage {
      return another ? another() : storage;
    }

    /**
     * A handle per writer, spread round-robin over up to {@link INSTANCES} instances of the
     * store (the one under test, then others when the storage offers them): a few app
     * servers, each with several requests in flight.
     */
    function handles(count: number): SessionStorage[] {
      const instances = [storage];
      while (another && instances.length < Math.min(count, INSTANCES)) instances.push(another());
      return Array.from({ length: count }, (_, i) => instances[i % instances.length] as SessionStorage);
    }

    /** `key` now holds `value`, whatever it held before: created, or swapped in for what was there. */
    async function put(key: string, value: string, ttlSeconds?: number): Promise<void> {
      const current = await storage.read(key);
      const done = current === undefined ? await storage.create(key, value, ttlSeconds) : await storage.compareAndSet(key, current, value, ttlSeconds);
      expect(done, `put ${key}`).toBe(true);
    }

    it('reads an unknown key as undefined', async () => {
      expect(await storage.read('missing-key')).toBeUndefined();
      expect(await storage.read(TRACKER_KEY)).toBeUndefined();
    });

    it('reads back what was created, under plain and tracker-shaped keys', async () => {
      for (const key of ['key-1', TRACKER_KEY]) expect(await storage.create(key, `value of ${key}`)).toBe(true);
      expect(await storage.read('key-1')).toBe('value of key-1');
      expect(await storage.read(TRACKER_KEY)).toBe(`value of ${TRACKER_KEY}`);
      expect(await storage.read('key-2')).toBeUndefined();
    });

    it('overwrites through compareAndSet: a shorter value reads back exactly', async () => {
      await put('key-1', 'a much longer first value');
      await put('key-1', 'short');
      expect(await storage.read('key-1')).toBe('short');
    });

    it('reads an invalidated key as undefined and keeps the others', async () => {
      await put('key-1', 'value-1');
      await put('key-2', 'value-2');
      await storage.invalidate('key-1');
      expect(await storage.read('key-1')).toBeUndefined();
      expect(await storage.read('key-2')).toBe('value-2');
    });

    it('treats invalidating twice, or an unknown key, as a no-op', async () => {
      await put('key-1', 'value-1');
      await storage.invalidate('key-1');
      await expect(storage.invalidate('key-1')).resolves.toBeUndefined();
      await expect(storage.invalidate('never-created')).resolves.toBeUndefined();
    });

    it('expires records stored with ttlSeconds, by create and compareAndSet (real time)', async () => {
      expect(await storage.create('short-lived', 'value', 1)).toBe(true);
      expect(await storage.create('long-lived', 'value', 60)).toBe(true);
      expect(await storage.create('forever', 'value')).toBe(true);
      await put('swapped-short', 'old');
      expect(await storage.compareAndSet('swapped-short', 'old', 'new', 1)).toBe(true);
      // A swap without ttlSeconds leaves a record that does not expire.
      await put('swapped-forever', 'old', 1);
      expect(await storage.compareAndSet('swapped-forever', 'old', 'new')).toBe(true);
      expect(await storage.read('short-lived')).toBe('value');
      await sleep(1_300);
      for (const key of ['short-lived', 'swapped-short']) expect(await storage.read(key), key).toBeUndefined();
      expect(await storage.read('long-lived')).toBe('value');
      expect(await storage.read('forever')).toBe('value');
      expect(await storage.read('swapped-forever')).toBe('new');
      // An expired record is no record: compareAndSet never matches it, create takes its place.
      expect(await storage.compareAndSet('short-lived', 'value', 'revived')).toBe(false);
      expect(await storage.read('short-lived')).toBeUndefined();
      expect(await storage.create('short-lived', 'fresh')).toBe(true);
      expect(await storage.read('short-lived')).toBe('fresh');
    });

    it('round-trips unicode, quotes, newlines, JSON-looking text and 64 KB values exactly', async () => {
      const values = [
        'héllo wörld ✓ 日本語 🎉 \u{1F600}',
        `"quotes" 'single' \`back\` \\ backslash`,
        'line 1\nline 2\r\nline 3\ttab',
        '{"v":1,"exp":null,"value":"nested"}',
        '1700000000000\nlooks like a header',
        ' leading and trailing spaces ',
        'x'.repeat(64 * 1024),
        '✓'.repeat(32 * 1024),
      ];
      for (const [i, value] of values.entries()) expect(await storage.create(`value-${i}`, value)).toBe(true);
      for (const [i, value] of values.entries()) expect(await storage.read(`value-${i}`)).toBe(value);
      // compareAndSet compares these exactly too.
      for (const [i, value] of values.entries()) {
        expect(await storage.compareAndSet(`value-${i}`, `${value} `, 'no')).toBe(false);
        expect(await storage.compareAndSet(`value-${i}`, value, `${value}!`)).toBe(true);
        expect(await storage.read(`value-${i}`)).toBe(`${value}!`);
      }
    });

    it('keeps hostile keys harmless: each is its own record, or refused as a storage error', async () => {
      const kept: Array<[string, string]> = [];
      for (const [i, key] of HOSTILE_KEYS.entries()) {
        if ((await storage.create(key, `hostile-${i}`).catch(refused)) === 'refused') {
          expect(await storage.read(key)).toBeUndefined();
        } else kept.push([key, `hostile-${i}`]);
      }
      for (const [key, value] of kept) expect(await storage.read(key)).toBe(value);
      // Look-alikes of the hostile keys were never created.
      for (const other of ['etc/passwd', '/etc/passwd', '..', 'a', 'ab', '*', 'a'.repeat(10 * 1024 - 1), ' ']) {
        expect(await storage.read(other)).toBeUndefined();
      }
      // Invalidating one (a pattern-looking one, then the empty one) touches no other.
      for (const key of ['*?[', '']) await storage.invalidate(key);
      for (const [key, value] of kept) expect(await storage.read(key)).toBe(key === '*?[' || key === '' ? undefined : value);
      for (const [key, value] of kept.filter(([key]) => key !== '*?[' && key !== '')) {
        expect(await storage.compareAndSet(key, value, `swapped ${value}`)).toBe(true);
        expect(await storage.read(key)).toBe(`swapped ${value}`);
      }
    });

    it('handles 50 concurrent creates of different keys', async () => {
      const keys = Array.from({ length: 50 }, (_, i) => `concurrent-${i}`);
      expect(await Promise.all(keys.map((key, i) => storage.create(key, `value-${i}`)))).toEqual(keys.map(() => true));
      expect(await Promise.all(keys.map((key) => storage.read(key)))).toEqual(keys.map((_, i) => `value-${i}`));
    });

    it('create stores only when no record exists, and reports which', async () => {
      expect(await storage.create('key', 'first')).toBe(true);
      expect(await storage.create('key', 'second')).toBe(false);
      expect(await storage.read('key')).toBe('first');
      await storage.invalidate('key');
      expect(await storage.create('key', 'third', 60)).toBe(true);
      expect(await storage.read('key')).toBe('third');
      // An empty value is a record too.
      expect(await storage.create('empty', '')).toBe(true);
      expect(await storage.create('empty', 'x')).toBe(false);
      expect(await storage.read('empty')).toBe('');
    });

    it('compareAndSet replaces only the exact expected record', async () => {
      await put('key', 'v1');
      for (const wrong of ['v2', 'v', 'v1 ', ' v1', 'V1', '']) {
        expect(await storage.compareAndSet('key', wrong, 'bad'), wrong).toBe(false);
      }
      expect(await storage.read('key')).toBe('v1');
      expect(await storage.compareAndSet('key', 'v1', 'v2', 60)).toBe(true);
      expect(await storage.read('key')).toBe('v2');
      // The old expectation no longer holds.
      expect(await storage.compareAndSet('key', 'v1', 'v3')).toBe(false);
      expect(await storage.read('key')).toBe('v2');
    });

    it('compareAndSet to undefined deletes the record, and only a matching one', async () => {
      await put('key', 'v1');
      expect(await storage.compareAndSet('key', 'other', undefined)).toBe(false);
      expect(await storage.read('key')).toBe('v1');
      expect(await storage.compareAndSet('key', 'v1', undefined)).toBe(true);
      expect(await storage.read('key')).toBeUndefined();
      expect(await storage.compareAndSet('key', 'v1', undefined)).toBe(false);
      expect(await storage.create('key', 'again')).toBe(true);
    });

    it('never brings back a missing or invalidated record through compareAndSet', async () => {
      expect(await storage.compareAndSet('never-created', 'anything', 'x')).toBe(false);
      expect(await storage.compareAndSet('never-created', '', 'x')).toBe(false);
      expect(await storage.read('never-created')).toBeUndefined();
      await put('cleared', 'loaded-by-a-request');
      await storage.invalidate('cleared');
      expect(await storage.compareAndSet('cleared', 'loaded-by-a-request', 'renewed', 60)).toBe(false);
      expect(await storage.read('cleared')).toBeUndefined();
    });

    it(`${writers} concurrent writers × ${increments} compare-and-set increments on one key lose nothing`, { timeout: HEAVY_TIMEOUT_MS }, async () => {
      const [first, ...rest] = handles(writers);
      if (!first) throw new Error('no storage');
      const all = [first, ...rest];
      expect(await first.create('counter', '[]')).toBe(true);
      let attempts = 0;
      await Promise.all(
        all.map(async (handle, writer) => {
          for (let i = 0; i < increments; i++) {
            for (let conflicts = 0; ; conflicts++) {
              if (conflicts > MAX_CONFLICTS_PER_INCREMENT) throw new Error(`writer ${writer} starved`);
              attempts++;
              const current = await handle.read('counter');
              if (current === undefined) throw new Error('the record vanished');
              const next = JSON.stringify([...(JSON.parse(current) as string[]), `${writer}:${i}`]);
              if (await handle.compareAndSet('counter', current, next, 600)) break;
            }
          }
        }),
      );
      const final = JSON.parse((await observer().read('counter')) ?? 'null') as string[];
      const operations = writers * increments;
      record({ storage: name, test: 'compare-and-set increments', writers, operations, attempts, lost: operations - final.length });
      expect(final).toHaveLength(operations);
      expect(new Set(final).size).toBe(operations);
    });

    it(`${writers} concurrent creates of one key: exactly one wins, on each of 10 keys`, { timeout: HEAVY_TIMEOUT_MS }, async () => {
      const all = handles(writers);
      let operations = 0;
      let lost = 0;
      for (let key = 0; key < 10; key++) {
        const won = await Promise.all(all.map((handle, writer) => handle.create(`new-${key}`, `writer-${writer}`, 600)));
        operations += won.length;
        const winners = won.flatMap((ok, writer) => (ok ? [writer] : []));
        expect(winners, `key ${key}`).toHaveLength(1);
        expect(await observer().read(`new-${key}`)).toBe(`writer-${winners[0]}`);
        if (winners.length !== 1) lost++;
      }
      record({ storage: name, test: 'create races', writers, operations, attempts: operations, lost });
    });

    it('compare-and-set racing invalidate never resurrects the record (20 trials)', { timeout: HEAVY_TIMEOUT_MS }, async () => {
      const all = handles(writers);
      let operations = 0;
      for (let trial = 0; trial < 20; trial++) {
        const key = `raced-${trial}`;
        expect(await storage.create(key, 'loaded')).toBe(true);
        // Every writer loaded 'loaded' before the clear; the clear starts at a different place among their swaps each trial.
        const calls: Array<() => unknown> = all.map(
          (handle, writer) => () => handle.compareAndSet(key, 'loaded', `renewed-${writer}`, 600),
        );
        const clearer = all[trial % all.length];
        // …and a little later on some trials, so it also meets swaps that are half done.
        const clear = async () => {
          if (trial % 4) await sleep(trial % 4);
          await clearer?.invalidate(key);
        };
        calls.splice(trial % (calls.length + 1), 0, clear);
        await Promise.all(calls.map((call) => call()));
        operations += calls.length;
        expect(await observer().read(key), `trial ${trial}`).toBeUndefined();
      }
      record({ storage: name, test: 'compare-and-set vs invalidate', writers, operations, attempts: operations, lost: 0 });
    });

    it('writers updating while a clear lands stop at the clear: the record stays dead', { timeout: HEAVY_TIMEOUT_MS }, async () => {
      const all = handles(Math.min(writers, 10));
      expect(await storage.create('cart', '0')).toBe(true);
      let landed = 0;
      await Promise.all(
        all.map(async (handle) => {
          // Bounded, so a storage that resurrects the record fails here instead of looping forever.
          for (let i = 0; i < 500; i++) {
            const current = await handle.read('cart');
            if (current === undefined) return; // cleared: an update must not bring it back
            if (!(await handle.compareAndSet('cart', current, String(Number(current) + 1), 600))) continue;
            // The writer landing the 20th update also clears, while the others are mid-update.
            if (++landed === 20) await handle.invalidate('cart');
          }
        }),
      );
      expect(landed).toBeGreaterThanOrEqual(20);
      expect(await observer().read('cart')).toBeUndefined();
    });

    it('random hostile keys never collide and fail only with SessionStorageError', { timeout: HEAVY_TIMEOUT_MS }, async () => {
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(hostileKey, { minLength: 1, maxLength: 6 }), async (keys) => {
          const kept: Array<[string, number]> = [];
          for (const [i, key] of keys.entries()) {
            const outcome = await storage.create(key, `v${i}`).catch(refused);
            if (outcome === 'refused') {
              // A key the storage refuses to store must read as no record, never as another's.
              expect(await storage.read(key)).toBeUndefined();
              continue;
            }
            expect(outcome).toBe(true);
            kept.push([key, i]);
          }
          for (const [key, i] of kept) {
            expect(await storage.read(key)).toBe(`v${i}`);
            expect(await storage.create(key, 'other')).toBe(false);
            expect(await storage.compareAndSet(key, `v${i}`, `w${i}`)).toBe(true);
          }
          for (const [key, i] of kept) expect(await storage.read(key)).toBe(`w${i}`);
          for (const key of keys) await storage.invalidate(key).catch(refused);
          for (const key of keys) expect(await storage.read(key)).toBeUndefined();
        }),
        { numRuns: propertyRuns },
      );
    });
  });
}

/** For `.catch`: a `SessionStorageError` becomes 'refused'; anything else fails the test. */
function refused(err: unknown): 'refused' {
  if (!(err instanceof SessionStorageError)) throw err;
  return 'refused';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Registers the suite `define(server)` when `server` started. When it did not (a binary is
 * missing), CI=true gets a failing test, since CI must run these, and anywhere else a visible skip.
 *
 * @example
 * ```ts
 * whenStarted('redisStorage', await startRedisServer(), 'redis-server not found: apt-get install -y redis-server', (server) => { … });
 * ```
 */
export function whenStarted<T>(name: string, server: T | undefined, missing: string, define: (server: T) => void): void {
  if (server) define(server);
  else if (process.env.CI === 'true') {
    describe(name, () => {
      it('needs its servers', () => {
        throw new Error(missing);
      });
    });
  } else {
    console.warn(`Skipping the ${name} tests: ${missing}.`);
    describe.skip(name, () => {
      it('needs its servers', () => undefined);
    });
  }
}
