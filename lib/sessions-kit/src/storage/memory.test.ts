import { describe, expect, it } from 'vitest';
import { SessionConfigError } from '../errors.ts';
import { describeStorageContract } from '../../test/storage-contract.ts';
import { memoryStorage } from './memory.ts';

describeStorageContract('memoryStorage', async () => ({ storage: memoryStorage() }));

describe('memoryStorage', () => {
  it('evicts the least recently used entry at maxEntries', async () => {
    const storage = memoryStorage({ maxEntries: 3 });
    for (const [key, value] of [['a', '1'], ['b', '2'], ['c', '3']]) await storage.create(key as string, value as string);
    // Reading `a` makes it recently used: `b` is now the oldest.
    expect(await storage.read('a')).toBe('1');
    await storage.create('d', '4');
    expect(await storage.read('b')).toBeUndefined();
    expect(await storage.read('a')).toBe('1');
    expect(await storage.read('c')).toBe('3');
    expect(await storage.read('d')).toBe('4');
  });

  it('rejects a ttlSeconds that is not a positive number, storing nothing', async () => {
    const storage = memoryStorage();
    await storage.create('kept', 'v1');
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(storage.create('key', 'value', ttl)).rejects.toBeInstanceOf(RangeError);
      await expect(storage.compareAndSet('kept', 'v1', 'v2', ttl)).rejects.toBeInstanceOf(RangeError);
    }
    expect(await storage.read('key')).toBeUndefined();
    expect(await storage.read('kept')).toBe('v1');
  });

  it('refuses a maxEntries that is not a positive integer', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => memoryStorage({ maxEntries })).toThrow(SessionConfigError);
    }
  });
});
