/** Secrets and key derivation: the documented HKDF, kids, rotation candidates, config errors. */
import { describe, expect, it, vi } from 'vitest';
import { type TransformInput, cookie, defineSessions, encrypted, signed } from '../index.ts';
import { deriveKey as independentKey, kidOf } from '../../test/helpers.ts';
import { deriveKey, deriveKeys, keyCandidates, normalizeSecrets } from './secrets.ts';

const SECRET = 'a-secret-of-at-least-32-characters!!';
const OLD = 'an-older-secret-of-32-characters-or-more';

describe('normalizeSecrets', () => {
  it('takes one secret or a list, current first', () => {
    expect(normalizeSecrets(SECRET, 'x')).toEqual([SECRET]);
    expect(normalizeSecrets([SECRET, OLD], 'x')).toEqual([SECRET, OLD]);
  });

  it.each([
    ['missing', undefined],
    ['empty list', []],
    ['31 characters', 'x'.repeat(31)],
    ['a short second secret', [SECRET, 'short']],
  ])('throws SessionConfigError for %s, with how to make one', (_label, secret) => {
    expect(() => normalizeSecrets(secret, 'encrypted()')).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
    expect(() => normalizeSecrets(secret, 'encrypted()')).toThrow(/openssl rand -base64 32/);
  });
});

describe('deriveKey', () => {
  it('is HKDF-SHA256(secret, salt = wire name, info) with kid = base64url(SHA-256(key))[0..8]', async () => {
    for (const [name, info, purpose] of [
      ['user_session', 'sessions-kit jwe', 'jwe'],
      ['X-Cart', 'sessions-kit jws', 'jws'],
    ] as const) {
      const key = await deriveKey(SECRET, name, info);
      const expected = independentKey(SECRET, name, purpose);
      expect([...key.raw]).toEqual([...expected]);
      expect(key.kid).toBe(kidOf(expected));
    }
  });

  it('derives one key per secret, current first', async () => {
    const keys = await deriveKeys([SECRET, OLD], 's', 'sessions-kit jwe');
    expect(keys.map((k) => k.kid)).toEqual([kidOf(independentKey(SECRET, 's', 'jwe')), kidOf(independentKey(OLD, 's', 'jwe'))]);
  });
});

describe('keyCandidates', () => {
  it('with a kid only that key; without one every key, in order', async () => {
    const keys = await deriveKeys([SECRET, OLD], 's', 'sessions-kit jws');
    expect(keyCandidates(keys, keys[1]?.kid)).toEqual([keys[1]]);
    expect(keyCandidates(keys, 'unknown!')).toEqual([]);
    expect(keyCandidates(keys, undefined)).toEqual(keys);
  });
});

describe('secrets resolved on first use (next build runs without SESSION_SECRET)', () => {
  const sessionsWith = (transform: TransformInput) =>
    defineSessions({ s: cookie<{ n: number }>({ transform }) });
  const write = (sessions: ReturnType<typeof sessionsWith>) =>
    sessions.forRequest(new Request('http://localhost/')).set('s', { n: 1 });

  it.each([
    ['encrypted, missing', () => encrypted({ secret: undefined })],
    ['encrypted, empty string', () => encrypted({ secret: '' })],
    ["signed, [''] (SESSION_SECRET= split on commas)", () => signed({ secret: [''] })],
    ['signed, a function returning nothing', () => signed({ secret: () => undefined })],
  ])('%s: defining works; the first write rejects with ERR_SESSION_CONFIG', async (_label, make) => {
    const sessions = sessionsWith(make());
    await expect(write(sessions)).rejects.toMatchObject({ code: 'ERR_SESSION_CONFIG' });
    await expect(write(sessions)).rejects.toThrow(/openssl rand -base64 32/);
  });

  it('a short secret given directly still fails at definition', () => {
    expect(() => encrypted({ secret: 'short' })).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
    expect(() => signed({ secret: [SECRET, 'short'] })).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
  });

  it('a function is called at first use, kept once it works, and asked again after a failure', async () => {
    let current: string | undefined;
    const secret = vi.fn(() => current);
    const sessions = sessionsWith(encrypted({ secret }));
    expect(secret).not.toHaveBeenCalled();
    await expect(write(sessions)).rejects.toMatchObject({ code: 'ERR_SESSION_CONFIG' });
    current = SECRET;
    const first = sessions.forRequest(new Request('http://localhost/'));
    await first.set('s', { n: 7 });
    const cookieHeader = (first.applyTo(new Response()).headers.get('set-cookie') ?? '').split(';')[0] as string;
    const reader = sessions.forRequest(new Request('http://localhost/', { headers: { cookie: cookieHeader } }));
    expect(await reader.get('s')).toEqual({ n: 7 });
    expect(secret).toHaveBeenCalledTimes(2);
  });
});
