import { describe, expect, it } from 'vitest';
import { SessionConfigError } from '../errors.ts';
import { describeStorageContract } from '../../test/storage-contract.ts';
import { memoryStorage } from './memory.ts';

describeStorageContract('memoryStorage', async () => ({ storage: memoryStorage() }));

describe('memoryStorage', () => {
  it('answers synchronously (no extra microtask)', () => {
    const storage = memoryStorage();
    expect(storage.write('id', 'value')).toBeUndefined();
    expect(storage.read('id')).toBe('value');
    expect(storage.invalidate('id')).toBeUndefined();
    expect(storage.read('id')).toBeUndefined();
  });

  it('evicts the least recently used entry at maxEntries', () => {
    const storage = memoryStorage({ maxEntries: 3 });
    storage.write('a', '1');
    storage.write('b', '2');
    storage.write('c', '3');
    // Reading `a` makes it recently used: `b` is now the oldest.
    expect(storage.read('a')).toBe('1');
    storage.write('d', '4');
    expect(storage.read('b')).toBeUndefined();
    expect(storage.read('a')).toBe('1');
    expect(storage.read('c')).toBe('3');
    expect(storage.read('d')).toBe('4');
  });

  it('clears an older ttl when a value is overwritten without one', async () => {
    const storage = memoryStorage();
    storage.write('id', 'first', 0.05);
    storage.write('id', 'second');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(storage.read('id')).toBe('second');
  });

  it('rejects a ttlSeconds that is not a positive number', () => {
    const storage = memoryStorage();
    for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => storage.write('id', 'value', ttl)).toThrow(RangeError);
    }
    expect(storage.read('id')).toBeUndefined();
  });

  it('refuses a maxEntries that is not a positive integer', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => memoryStorage({ maxEntries })).toThrow(SessionConfigError);
    }
  });
});
