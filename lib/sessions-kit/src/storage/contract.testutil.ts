import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionStorage } from '../types.ts';

/**
 * What a contract run needs: a fresh, empty storage per test, and how to dispose of it.
 *
 * @example
 * ```ts
 * const make: StorageFactory = async () => {
 *   const dir = await mkdtemp(join(tmpdir(), 'sessions-'));
 *   return { storage: directoryStorage(dir), cleanup: () => rm(dir, { recursive: true }) };
 * };
 * ```
 */
export type StorageFactory = () => Promise<{ storage: SessionStorage; cleanup?: () => Promise<void> }>;

/**
 * Ids a storage must handle as opaque strings: none of them may reach a path, a glob,
 * a pattern or another id's record.
 *
 * @example
 * ```ts
 * for (const id of HOSTILE_IDS) await storage.write(id, 'value');
 * ```
 */
export const HOSTILE_IDS: readonly string[] = [
  '../../etc/passwd',
  '..\\x',
  '%2e%2e%2f',
  'a\u0000b',
  'a'.repeat(10 * 1024),
  '*?[',
  '',
];

/**
 * Registers the behaviour every `SessionStorage` must share, as a Vitest suite.
 * Call it from each storage's test file; `make` must return an empty storage.
 *
 * @example
 * ```ts
 * describeStorageContract('memoryStorage', async () => ({ storage: memoryStorage() }));
 * ```
 */
export function describeStorageContract(name: string, make: StorageFactory): void {
  describe(`${name} (SessionStorage contract)`, () => {
    let storage: SessionStorage;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ storage, cleanup } = await make());
    });

    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
    });

    it('reads an unknown id as undefined', async () => {
      expect(await storage.read('missing-id')).toBeUndefined();
    });

    it('reads back what was written', async () => {
      await storage.write('id-1', 'value-1');
      expect(await storage.read('id-1')).toBe('value-1');
      expect(await storage.read('id-2')).toBeUndefined();
    });

    it('overwrites: a shorter value reads back exactly', async () => {
      await storage.write('id-1', 'a much longer first value');
      await storage.write('id-1', 'short');
      expect(await storage.read('id-1')).toBe('short');
    });

    it('reads an invalidated id as undefined and keeps the others', async () => {
      await storage.write('id-1', 'value-1');
      await storage.write('id-2', 'value-2');
      await storage.invalidate('id-1');
      expect(await storage.read('id-1')).toBeUndefined();
      expect(await storage.read('id-2')).toBe('value-2');
    });

    it('treats invalidating twice, or an unknown id, as a no-op', async () => {
      await storage.write('id-1', 'value-1');
      await storage.invalidate('id-1');
      await expect(Promise.resolve(storage.invalidate('id-1'))).resolves.toBeUndefined();
      await expect(Promise.resolve(storage.invalidate('never-written'))).resolves.toBeUndefined();
    });

    it('expires a value written with ttlSeconds (real time)', async () => {
      await storage.write('short-lived', 'value', 1);
      await storage.write('long-lived', 'value', 60);
      await storage.write('forever', 'value');
      expect(await storage.read('short-lived')).toBe('value');
      await sleep(1_300);
      expect(await storage.read('short-lived')).toBeUndefined();
      expect(await storage.read('long-lived')).toBe('value');
      expect(await storage.read('forever')).toBe('value');
    });

    it('round-trips unicode, quotes, newlines, JSON-looking text and 64 KB values exactly', async () => {
      const values = [
        'héllo wörld ✓ 日本語 🎉 \u{1F600}',
        `"quotes" 'single' \`back\` \\ backslash`,
        'line 1\nline 2\r\nline 3\ttab',
        '{"v":1,"exp":null,"value":"nested"}',
        ' leading and trailing spaces ',
        'x'.repeat(64 * 1024),
        '✓'.repeat(32 * 1024),
      ];
      for (const [i, value] of values.entries()) {
        await storage.write(`value-${i}`, value);
      }
      for (const [i, value] of values.entries()) {
        expect(await storage.read(`value-${i}`)).toBe(value);
      }
    });

    it('keeps hostile ids independent and harmless', async () => {
      for (const [i, id] of HOSTILE_IDS.entries()) {
        await storage.write(id, `hostile-${i}`);
      }
      for (const [i, id] of HOSTILE_IDS.entries()) {
        expect(await storage.read(id)).toBe(`hostile-${i}`);
      }
      // Look-alikes of the hostile ids were never written.
      for (const other of ['etc/passwd', '/etc/passwd', '..', 'a', 'ab', '*', 'a'.repeat(10 * 1024 - 1), ' ']) {
        expect(await storage.read(other)).toBeUndefined();
      }
      // Invalidating one (a pattern-looking one, then the empty one) touches no other.
      await storage.invalidate('*?[');
      await storage.invalidate('');
      for (const [i, id] of HOSTILE_IDS.entries()) {
        const expected = id === '*?[' || id === '' ? undefined : `hostile-${i}`;
        expect(await storage.read(id)).toBe(expected);
      }
    });

    it('handles 50 concurrent writes to different ids', async () => {
      const ids = Array.from({ length: 50 }, (_, i) => `concurrent-${i}`);
      await Promise.all(ids.map((id, i) => storage.write(id, `value-${i}`)));
      const values = await Promise.all(ids.map((id) => storage.read(id)));
      expect(values).toEqual(ids.map((_, i) => `value-${i}`));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
