/**
 * What encrypted() and signed() share (jose.ts): secrets, the documented key derivation and
 * kids, key rotation, the header each value carries, and the strict protected-header parser.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { type TransformInput, cookie, defineSessions, encrypted, signed } from '../index.ts';
import { deriveKey as independentKey, kidOf } from '../../test/helpers.ts';
import { nonStrictHeaders } from '../../test/protected-values.ts';
import { encodeCookieValue } from '../transport/wire.ts';
import { type JoseFormat, type SecretSource, joseTransformer, normalizeSecrets, parseProtectedHeader } from './jose.ts';

const SECRET = 'a-secret-of-at-least-32-characters!!';
const OLD = 'an-older-secret-of-32-characters-or-more';
const JWE = { alg: 'dir', enc: 'A256GCM' } as const;
const JWS = { alg: 'HS256' } as const;
const EXP = 1_900_000_000;
const b64 = (json: string) => Buffer.from(json, 'utf8').toString('base64url');

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const fromB64 = (text: string) => Buffer.from(text, 'base64url').toString('utf8');

/**
 * A transparent format over the shared plumbing: `b64(header).b64(value).hex(key)`, opened only
 * by the key it names. It shows which header and which derived key each value got.
 */
const transparent: JoseFormat<Uint8Array> = {
  what: 'transparent()',
  info: 'sessions-kit jwe',
  fixed: JWE,
  segments: 3,
  prepare: (raw) => raw,
  seal: (key, header, value) => `${b64(header)}.${b64(value)}.${hex(key)}`,
  open: (key, parts) => (parts[2] === hex(key) ? fromB64(parts[1] as string) : undefined),
};

const forSession = (secret: SecretSource, wireName = 's') => joseTransformer(transparent, secret).forSession(wireName);

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

describe('keys', () => {
  it('are HKDF-SHA256(secret, salt = wire name, info), with kid = base64url(SHA-256(key))[0..8] in the header', async () => {
    for (const name of ['user_session', 'X-Cart']) {
      const [header, , key] = (await forSession(SECRET, name).write('v')).split('.') as [string, string, string];
      const expected = independentKey(SECRET, name, 'jwe');
      expect(key).toBe(hex(expected));
      expect(JSON.parse(fromB64(header))).toMatchObject({ kid: kidOf(expected) });
    }
    // The info string separates the formats: signed() keys differ from encrypted() keys.
    const jws = await joseTransformer({ ...transparent, info: 'sessions-kit jws' }, SECRET).forSession('s').write('v');
    expect(jws.split('.')[2]).toBe(hex(independentKey(SECRET, 's', 'jws')));
  });

  it('a value minted for one session does not open as another (the wire name salts the key)', async () => {
    expect(await forSession(SECRET, 'b').read(await forSession(SECRET, 'a').write('v'))).toBeUndefined();
  });

  it('rotation: writes with the current secret; reads older ones, marked stale', async () => {
    const rotated = forSession([SECRET, OLD]);
    const current = await rotated.write('v');
    expect(current.split('.')[2]).toBe(hex(independentKey(SECRET, 's', 'jwe')));
    expect(await rotated.readWithTimes(current)).toEqual({ value: 'v', times: {} });
    const old = await forSession(OLD).write('w');
    expect(await rotated.readWithTimes(old)).toEqual({ value: 'w', times: {}, stale: true });
    // Once a secret is dropped, its values no longer open.
    expect(await forSession(SECRET).read(old)).toBeUndefined();
  });

  it('with a kid only that key is tried; without one every key, in order', async () => {
    const rotated = forSession([SECRET, OLD]);
    const oldKey = independentKey(OLD, 's', 'jwe');
    const sealed = (header: Record<string, unknown>) => `${b64(JSON.stringify(header))}.${b64('v')}.${hex(oldKey)}`;
    expect(await rotated.read(sealed({ ...JWE, kid: kidOf(oldKey) }))).toBe('v');
    expect(await rotated.read(sealed({ ...JWE, kid: kidOf(independentKey(SECRET, 's', 'jwe')) }))).toBeUndefined();
    expect(await rotated.read(sealed({ ...JWE, kid: 'unknown!' }))).toBeUndefined();
    // A value from another JOSE library, without a kid.
    expect(await rotated.readWithTimes(sealed(JWE))).toEqual({ value: 'v', times: {}, stale: true });
  });
});

describe('the header each value carries', () => {
  it('is JSON.stringify output: fixed fields, kid, then iat and exp', async () => {
    const t = forSession(SECRET);
    const kid = kidOf(independentKey(SECRET, 's', 'jwe'));
    const header = async (times?: { createdAt?: number; expiresAt?: number }) => fromB64((await t.writeWithTimes('v', times)).split('.')[0] as string);
    expect(await header({ createdAt: 1, expiresAt: 2 })).toBe(`{"alg":"dir","enc":"A256GCM","kid":"${kid}","iat":1,"exp":2}`);
    expect(await header({ createdAt: 1, expiresAt: 2 })).toBe(JSON.stringify({ ...JWE, kid, iat: 1, exp: 2 }));
    expect(await header(undefined)).toBe(JSON.stringify({ ...JWE, kid }));
    expect(await header({ expiresAt: EXP })).toBe(JSON.stringify({ ...JWE, kid, exp: EXP }));
  });

  it('reads back what it writes, times included', async () => {
    const t = forSession(SECRET);
    expect(await t.readWithTimes(await t.writeWithTimes('v', { createdAt: 0, expiresAt: EXP }))).toEqual({
      value: 'v',
      times: { createdAt: 0, expiresAt: EXP },
    });
  });

  it('values longer than the cookie limit, or with another number of segments, are not opened', async () => {
    const t = forSession(SECRET);
    const open = vi.spyOn(transparent, 'open');
    const value = await t.write('v');
    expect(await t.read(`${value}.x`)).toBeUndefined();
    expect(await t.read(await t.write('v'.repeat(4096)))).toBeUndefined();
    expect(open).not.toHaveBeenCalled();
    open.mockRestore();
  });

  it('encrypted and signed values are base64url and dots only: cookies carry them unencoded, and the next value is encoded again', async () => {
    const formats = [encrypted({ secret: SECRET }).forSession('s'), signed({ secret: SECRET }).forSession('s')];
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.constantFrom(...formats), async (text, format) => {
        const value = await format.write(text);
        expect(value).toMatch(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*)+$/);
        expect(encodeCookieValue(value)).toBe(value);
        // transport/wire.ts skips the scan for the value a JOSE format just made, and only for it.
        expect(encodeCookieValue(`${value};`)).toBe(`${value}%3B`);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to write text with a lone surrogate', async () => {
    await expect(forSession(SECRET).write('a\uD800b')).rejects.toMatchObject({ code: 'ERR_SESSION_DATA' });
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

describe('parseProtectedHeader', () => {
  describe('accepts', () => {
    it.each([
      ['the fixed fields alone', '{"alg":"dir","enc":"A256GCM"}', { kid: undefined, times: {} }],
      ['members in any order (jose keeps the caller order)', `{"exp":${EXP},"enc":"A256GCM","kid":"k","alg":"dir"}`, { kid: 'k', times: { expiresAt: EXP } }],
      ['iat 0', '{"alg":"dir","enc":"A256GCM","iat":0}', { kid: undefined, times: { createdAt: 0 } }],
      ['a 64-character kid', `{"alg":"dir","enc":"A256GCM","kid":"${'k'.repeat(64)}"}`, { kid: 'k'.repeat(64), times: {} }],
      ['a non-ASCII kid written plainly', '{"alg":"dir","enc":"A256GCM","kid":"clé"}', { kid: 'clé', times: {} }],
      ['the largest safe integer', `{"alg":"dir","enc":"A256GCM","exp":${Number.MAX_SAFE_INTEGER}}`, { kid: undefined, times: { expiresAt: Number.MAX_SAFE_INTEGER } }],
    ])('%s', (_label, json, expected) => {
      expect(parseProtectedHeader(b64(json), JWE)).toEqual(expected);
    });
  });

  describe('refuses', () => {
    it.each(nonStrictHeaders('"alg":"dir","enc":"A256GCM"', EXP))('JWE header with %s', (_label, json) => {
      expect(parseProtectedHeader(b64(json), JWE)).toBeUndefined();
    });

    it.each(nonStrictHeaders('"alg":"HS256"', EXP))('JWS header with %s', (_label, json) => {
      expect(parseProtectedHeader(b64(json), JWS)).toBeUndefined();
    });

    it.each([
      ['a missing enc', '{"alg":"dir"}'],
      ['another alg', '{"alg":"A256KW","enc":"A256GCM"}'],
      ['another enc', '{"alg":"dir","enc":"A128GCM"}'],
      ['zip', '{"alg":"dir","enc":"A256GCM","zip":"DEF"}'],
      ['crit', '{"alg":"dir","enc":"A256GCM","crit":["exp"]}'],
      ['jku', '{"alg":"dir","enc":"A256GCM","jku":"https://evil.example"}'],
      ['jwk', '{"alg":"dir","enc":"A256GCM","jwk":{"kty":"oct"}}'],
      ['p2c', '{"alg":"dir","enc":"A256GCM","p2c":1000000000}'],
      ['a 65-character kid', `{"alg":"dir","enc":"A256GCM","kid":"${'k'.repeat(65)}"}`],
      ['an unsafe integer', `{"alg":"dir","enc":"A256GCM","exp":${2 ** 53}}`],
      ['seventeen digits', '{"alg":"dir","enc":"A256GCM","exp":12345678901234567}'],
      ['a control character in kid', '{"alg":"dir","enc":"A256GCM","kid":"a\u0001"}'],
      ['an array', '[{"alg":"dir","enc":"A256GCM"}]'],
      ['a string', '"{\\"alg\\":\\"dir\\"}"'],
      ['not JSON', 'alg=dir'],
      ['empty', ''],
      ['an unclosed object', '{"alg":"dir","enc":"A256GCM"'],
      ['a member without a value', '{"alg":"dir","enc":}'],
    ])('%s', (_label, json) => {
      expect(parseProtectedHeader(b64(json), JWE)).toBeUndefined();
    });

    it('non-canonical base64url, padding, invalid UTF-8 and over-long input', () => {
      const good = b64('{"alg":"dir","enc":"A256GCM"}');
      expect(parseProtectedHeader(good, JWE)).toBeDefined();
      expect(parseProtectedHeader(`${good}=`, JWE)).toBeUndefined();
      expect(parseProtectedHeader(Buffer.from('{"alg":"dir","enc":"A256GCM"}').toString('base64'), JWE)).toBeUndefined();
      expect(parseProtectedHeader(`${good} `, JWE)).toBeUndefined();
      expect(parseProtectedHeader(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]).toString('base64url'), JWE)).toBeUndefined();
      expect(parseProtectedHeader(b64(`{"alg":"dir","enc":"A256GCM","kid":"${'k'.repeat(400)}"}`), JWE)).toBeUndefined();
    });
  });
});

describe('the fast path for our own header spelling', () => {
  // A regex that never matches sends every header through the strict parse.
  const strictOnly = /(?!)/;
  const ours = '"alg":"dir","enc":"A256GCM","kid":"AbCd-_12"';

  it.each([
    ['our header with iat and exp', `{${ours},"iat":1700000000,"exp":${EXP}}`, { kid: 'AbCd-_12', times: { createdAt: 1_700_000_000, expiresAt: EXP } }],
    ['our header with exp only', `{${ours},"exp":${EXP}}`, { kid: 'AbCd-_12', times: { expiresAt: EXP } }],
    ['a 16-digit iat (past the fast path, still a safe integer)', `{${ours},"iat":1234567890123456}`, { kid: 'AbCd-_12', times: { createdAt: 1_234_567_890_123_456 } }],
    ['kid first', `{"kid":"AbCd-_12","alg":"dir","enc":"A256GCM","exp":${EXP}}`, { kid: 'AbCd-_12', times: { expiresAt: EXP } }],
    ['exp before iat', `{${ours},"exp":${EXP},"iat":1}`, { kid: 'AbCd-_12', times: { createdAt: 1, expiresAt: EXP } }],
  ])('reads %s exactly as the strict parse does', (_label, json, expected) => {
    expect(parseProtectedHeader(b64(json), JWE)).toEqual(expected);
    expect(parseProtectedHeader(b64(json), JWE, strictOnly)).toEqual(expected);
  });

  it.each([
    ['an escaped quote in kid', `{"alg":"dir","enc":"A256GCM","kid":"Ab\\"d","exp":${EXP}}`],
    ['a \\u escape in kid', `{"alg":"dir","enc":"A256GCM","kid":"\\u0041b","exp":${EXP}}`],
    ['a duplicate exp after our members', `{${ours},"exp":1,"exp":${EXP}}`],
    ['a leading zero', `{${ours},"iat":0123}`],
    ['a 16-digit exp past the safe integers', `{${ours},"exp":9999999999999999}`],
    ['a space after a comma', `{${ours}, "exp":${EXP}}`],
    ['another member after ours', `{${ours},"exp":${EXP},"zip":"DEF"}`],
  ])('refuses %s on both paths', (_label, json) => {
    expect(parseProtectedHeader(b64(json), JWE)).toBeUndefined();
    expect(parseProtectedHeader(b64(json), JWE, strictOnly)).toBeUndefined();
  });
});
