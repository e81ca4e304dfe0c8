/**
 * What a by-id session leaves on the server: ids (format, randomness, the check that runs
 * before anything touches storage), storage keys (a one-way hash of the id, the same with
 * node:crypto and with Web Crypto alone) and the stored record (format, revision nonce,
 * strict parsing).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { cookie, defineSessions } from '../index.ts';
import { exchange, fromB64url, wireValue } from '../../test/helpers.ts';
import { ID_SHAPE, type User } from '../../test/by-id.ts';
import { keyOf, spyStorage } from '../../test/spy-storage.ts';
import { encodeRecord, isSessionId, newSessionId, parseRecord, storageKey } from './record.ts';

describe('session ids', () => {
  it('are 32 CSPRNG bytes, base64url: 43 characters, all distinct over 1000 sets', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { response, result } = await exchange(sessions, {}, async (s) => {
        await s.set('s', { id: `u${i}` });
        return s.id('s');
      });
      const id = wireValue(response, 's');
      expect(id).toMatch(ID_SHAPE);
      expect(result).toBe(id);
      expect(fromB64url(id)).toHaveLength(32);
      expect(spy.map.has(keyOf(id))).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
    expect(spy.map.size).toBe(1000);
    expect(new Set(spy.stores.map((w) => w.key)).size).toBe(1000);
  });

  it('newSessionId() has the id shape and never repeats', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = newSessionId();
      expect(id).toMatch(ID_SHAPE);
      expect(isSessionId(id)).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
  });

  it('isSessionId refuses anything but 43 base64url characters (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        expect(isSessionId(s)).toBe(ID_SHAPE.test(s));
      }),
    );
    expect(isSessionId(`${'A'.repeat(43)}\n`)).toBe(false);
    expect(isSessionId('A'.repeat(42))).toBe(false);
    expect(isSessionId('A'.repeat(44))).toBe(false);
    expect(isSessionId(`${'A'.repeat(42)}=`)).toBe(false);
    expect(isSessionId(`${'A'.repeat(42)}+`)).toBe(false);
  });
});

describe('storageKey', () => {
  it('is base64url(SHA-256(namespace + id)): 43 characters, never the id', async () => {
    for (let i = 0; i < 200; i++) {
      const id = newSessionId();
      const key = await storageKey(id);
      expect(typeof key).toBe('string');
      expect(key).toBe(keyOf(id));
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(key).not.toBe(id);
    }
  });

  it('is namespaced: not the bare SHA-256 of the id', async () => {
    const id = newSessionId();
    expect(await storageKey(id)).not.toBe(createHash('sha256').update(id).digest('base64url'));
  });

  it('distinct ids give distinct keys', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 1000; i++) keys.add(await storageKey(newSessionId()));
    expect(keys.size).toBe(1000);
  });

  it('without node:crypto (Edge), Web Crypto alone derives the same key', async () => {
    vi.resetModules();
    vi.doMock('../internal/platform.ts', async (importOriginal) => ({
      ...(await importOriginal<typeof import('../internal/platform.ts')>()),
      nodeCrypto: undefined,
    }));
    const digest = vi.spyOn(globalThis.crypto.subtle, 'digest');
    try {
      const edge = await import('./record.ts');
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.string({ maxLength: 60 }), fc.constant(newSessionId())), async (id) => {
          expect(await edge.storageKey(id)).toBe(keyOf(id));
        }),
        { numRuns: 100 },
      );
      // The keys above really came from Web Crypto.
      expect(digest).toHaveBeenCalled();
    } finally {
      digest.mockRestore();
      vi.doUnmock('../internal/platform.ts');
      vi.resetModules();
    }
  });
});

describe('stored records', () => {
  it('hold the session name, a nonce, the payload, the deadlines and when they were written (version 2)', () => {
    const before = Math.floor(Date.now() / 1000);
    const text = encodeRecord('basket', { payload: '{"items":[]}', times: { createdAt: 100, expiresAt: 200 } });
    const record = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(record).sort()).toEqual(['c', 'd', 'e', 'n', 'r', 'v', 'w']);
    expect(record).toMatchObject({ v: 2, n: 'basket', d: '{"items":[]}', c: 100, e: 200 });
    expect(record.r).toMatch(/^[A-Za-z0-9_-]{13,}$/);
    expect(record.w).toBeGreaterThanOrEqual(before);
    expect(record.w).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(parseRecord(text, 'basket')).toMatchObject({ payload: '{"items":[]}', times: { createdAt: 100, expiresAt: 200 } });
    expect(parseRecord(text, 'basket')?.times).toEqual({ createdAt: 100, expiresAt: 200 });
  });

  it('belong to one session: another session name does not read it', () => {
    const text = encodeRecord('basket', { payload: '{}', times: {} });
    expect(parseRecord(text, 'basket')).toBeDefined();
    expect(parseRecord(text, 'user')).toBeUndefined();
  });

  it('the same data written twice is two different records (no ABA for compare-and-set)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(encodeRecord('s', { payload: 'same', times: { createdAt: 1, expiresAt: 2 } }));
    expect(seen.size).toBe(1000);
  });

  it('omits absent deadlines', () => {
    const text = encodeRecord('s', { payload: 'x', times: {} });
    expect(JSON.parse(text)).not.toHaveProperty('e');
    expect(JSON.parse(text)).not.toHaveProperty('c');
    expect(parseRecord(text, 's')?.times).toEqual({});
  });

  it.each([
    '',
    'not json',
    'null',
    '[]',
    '"string"',
    '{"v":2}',
    '{"v":1,"n":"s","d":"{}"}',
    '{"v":2,"n":"s","d":"{}"}',
    '{"v":2,"n":"s","r":5,"d":"{}"}',
    '{"v":2,"n":"s","r":"x","d":5}',
    '{"v":"2","n":"s","r":"x","d":"{}"}',
    '{"v":2,"n":"s","r":"x","d":"{}","e":"tomorrow"}',
    '{"v":2,"n":"s","r":"x","d":"{}","e":1.5}',
    '{"v":2,"n":"s","r":"x","d":"{}","c":"yesterday"}',
    '{"v":2,"r":"x","d":"{}"}',
    '{"v":2,"n":"other","r":"x","d":"{}"}',
  ])('refuses %s', (text) => {
    expect(parseRecord(text, 's')).toBeUndefined();
  });
});
