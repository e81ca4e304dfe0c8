/**
 * Ids at rest: the storage key is a one-way hash of the id, the same with
 * node:crypto and with Web Crypto alone.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { newSessionId } from './session-id.ts';
import { keyOf } from '../../test/spy-storage.ts';
import { storageKey, webStorageKey } from './storage-key.ts';

describe('storageKey', () => {
  it('is base64url(SHA-256(namespace + id)): 43 characters, never the id', () => {
    for (let i = 0; i < 200; i++) {
      const id = newSessionId();
      const key = storageKey(id);
      expect(typeof key).toBe('string');
      expect(key).toBe(keyOf(id));
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(key).not.toBe(id);
    }
  });

  it('is namespaced: not the bare SHA-256 of the id', async () => {
    const id = newSessionId();
    const { createHash } = await import('node:crypto');
    expect(storageKey(id)).not.toBe(createHash('sha256').update(id).digest('base64url'));
  });

  it('Web Crypto alone derives the same key (Edge runtimes)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), async (id) => {
        expect(await webStorageKey(id)).toBe(keyOf(id));
      }),
      { numRuns: 100 },
    );
  });

  it('distinct ids give distinct keys', () => {
    const keys = new Set<string>();
    for (let i = 0; i < 1000; i++) keys.add(storageKey(newSessionId()) as string);
    expect(keys.size).toBe(1000);
  });

  it('without node:crypto (Edge), storageKey answers with a Promise of the same key', async () => {
    vi.resetModules();
    vi.doMock('../internal/platform.ts', async (importOriginal) => ({
      ...(await importOriginal<typeof import('../internal/platform.ts')>()),
      nodeCrypto: undefined,
    }));
    try {
      const edge = await import('./storage-key.ts');
      const id = newSessionId();
      const key = edge.storageKey(id);
      expect(key).toBeInstanceOf(Promise);
      expect(await key).toBe(keyOf(id));
    } finally {
      vi.doUnmock('../internal/platform.ts');
      vi.resetModules();
    }
  });
});
