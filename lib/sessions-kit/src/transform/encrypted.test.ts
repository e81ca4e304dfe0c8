/**
 * encrypted({ secret }): JWE compact, alg "dir", enc "A256GCM". Interop with
 * jose both ways, hostile headers, tampering, key rotation and expiry, all
 * through defineSessions and Web Request/Response.
 */
import fc from 'fast-check';
import * as jose from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Sessions, cookie, defineSessions, encrypted, header } from '../index.ts';
import {
  OLD_SECRET,
  OTHER_SECRET,
  SECRET,
  b64url,
  decodeJsonSegment,
  deriveKey,
  flipBitInSegment,
  fromB64url,
  isClearing,
  kidOf,
  nowSeconds,
  replaceSegment,
  sealJwe,
  setCookieFor,
  setCookies,
  wireValue,
  exchange,
} from '../../test/helpers.ts';
import { jweLayout, mutationOf } from '../../test/mutations.ts';
import { nonStrictHeaders, sealJweRaw } from '../../test/protected-values.ts';

interface User {
  id: string;
  roles?: string[];
}

const NOW = new Date('2031-03-04T05:06:07Z');
const KEY = deriveKey(SECRET, 'user_session', 'jwe');
const KID = kidOf(KEY);
const DATA: User = { id: 'u-42', roles: ['admin', 'ünïcødé 😀'] };
const JSON_DATA = JSON.stringify(DATA);

const sessionsWith = (secret: string | string[], maxAge?: number | null) =>
  defineSessions({
    user_session: cookie<User>({
      transform: encrypted({ secret }),
      cookie: maxAge === undefined ? undefined : { maxAge },
    }),
  });

const standard = sessionsWith(SECRET);

/** Our value for DATA, as it travels in the cookie. */
async function ourValue(sessions = standard, data: User = DATA): Promise<string> {
  const { response } = await exchange(sessions, {}, (s) => s.set('user_session', data));
  return wireValue(response, 'user_session');
}

/** What the session reads for a raw cookie value, and whether the response re-issues or clears it. */
async function readWith<D extends { user_session: User }>(value: string, sessions: Sessions<D> = standard as unknown as Sessions<D>) {
  const { response, result } = await exchange(sessions, { cookies: { user_session: value } }, (s) => s.get('user_session'));
  const c = setCookieFor(response, 'user_session');
  return { result, response, cleared: c !== undefined && isClearing(c), reissued: c !== undefined && !isClearing(c) };
}

const joseEncrypt = (plaintext: string, key: Uint8Array, protectedHeader: jose.CompactJWEHeaderParameters) =>
  new jose.CompactEncrypt(new TextEncoder().encode(plaintext)).setProtectedHeader(protectedHeader).encrypt(key);

/** node:crypto as the library reaches it (process.getBuiltinModule), to watch for any decryption attempt. */
const builtinCrypto = process.getBuiltinModule('node:crypto');

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('wire format', () => {
  it('is a JWE compact value: dir/A256GCM header with kid, iat, exp; empty key; 96-bit IV; 128-bit tag', async () => {
    const value = await ourValue();
    expect(value).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const [h, ek, iv, ct, tag] = value.split('.') as [string, string, string, string, string];
    const protectedHeader = decodeJsonSegment(h);
    expect(Object.keys(protectedHeader).sort()).toEqual(['alg', 'enc', 'exp', 'iat', 'kid']);
    expect(protectedHeader).toEqual({
      alg: 'dir',
      enc: 'A256GCM',
      kid: KID,
      iat: nowSeconds(),
      exp: nowSeconds() + 7 * 24 * 3600,
    });
    expect(ek).toBe('');
    expect(fromB64url(iv)).toHaveLength(12);
    expect(fromB64url(tag)).toHaveLength(16);
    // A256GCM: ciphertext is as long as the plaintext.
    expect(fromB64url(ct)).toHaveLength(Buffer.byteLength(JSON_DATA));
  });

  it('uses a fresh IV on every write', async () => {
    const a = await ourValue();
    const b = await ourValue();
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(a).not.toBe(b);
  });

  it('never repeats an IV, across refills of the IV pool (256 per batch)', async () => {
    const t = encrypted({ secret: SECRET }).forSession('s');
    const ivs = new Set<string>();
    for (let i = 0; i < 600; i++) ivs.add((await t.write('x')).split('.')[2] as string);
    expect(ivs.size).toBe(600);
  });

  it('with maxAge: null the header carries no exp', async () => {
    const value = await ourValue(sessionsWith(SECRET, null));
    const protectedHeader = decodeJsonSegment(value.split('.')[0] as string);
    expect(protectedHeader).toEqual({ alg: 'dir', enc: 'A256GCM', kid: KID, iat: nowSeconds() });
  });

  it('the key is bound to the wire name (a custom cookie name or a header name)', async () => {
    const renamed = defineSessions({
      s: cookie<User>({ transform: encrypted({ secret: SECRET }), cookie: { name: '__Host-sid' } }),
      h: header<User>({ name: 'X-Session', transform: encrypted({ secret: SECRET }) }),
    });
    const { response } = await exchange(renamed, {}, async (s) => {
      await s.set('s', DATA);
      await s.set('h', DATA);
    });
    const cookieValue = wireValue(response, '__Host-sid');
    const headerValue = response.headers.get('X-Session') ?? '';
    const cookieKey = deriveKey(SECRET, '__Host-sid', 'jwe');
    const headerKey = deriveKey(SECRET, 'X-Session', 'jwe');
    expect(new TextDecoder().decode((await jose.compactDecrypt(cookieValue, cookieKey)).plaintext)).toBe(JSON_DATA);
    expect(new TextDecoder().decode((await jose.compactDecrypt(headerValue, headerKey)).plaintext)).toBe(JSON_DATA);
    await expect(jose.compactDecrypt(cookieValue, deriveKey(SECRET, 's', 'jwe'))).rejects.toThrow();
  });
});

describe('jose interop', () => {
  it('jose.compactDecrypt opens our value with the independently derived key', async () => {
    const value = await ourValue();
    const { plaintext, protectedHeader } = await jose.compactDecrypt(value, KEY, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    expect(new TextDecoder().decode(plaintext)).toBe(JSON_DATA);
    expect(protectedHeader.kid).toBe(KID);
  });

  it('a value made by jose (no kid) opens in our session get', async () => {
    const value = await joseEncrypt(JSON_DATA, KEY, { alg: 'dir', enc: 'A256GCM', exp: nowSeconds() + 3600 });
    const r = await readWith(value);
    expect(r.result).toEqual(DATA);
    expect(r.cleared).toBe(false);
    expect(r.reissued).toBe(false);
  });

  it('a value made by jose with our kid and iat opens', async () => {
    const value = await joseEncrypt(JSON_DATA, KEY, {
      alg: 'dir',
      enc: 'A256GCM',
      kid: KID,
      iat: nowSeconds() - 10,
      exp: nowSeconds() + 3600,
    });
    expect((await readWith(value)).result).toEqual(DATA);
  });

  it('a jose value without exp is refused while the session has a lifetime, accepted with maxAge: null', async () => {
    const value = await joseEncrypt(JSON_DATA, KEY, { alg: 'dir', enc: 'A256GCM' });
    expect((await readWith(value)).result).toBeUndefined();
    expect((await readWith(value, sessionsWith(SECRET, null))).result).toEqual(DATA);
  });

  it('a jose value with our fields in another order opens (the header is not re-serialized)', async () => {
    const value = await joseEncrypt(JSON_DATA, KEY, { exp: nowSeconds() + 60, iat: nowSeconds(), kid: KID, enc: 'A256GCM', alg: 'dir' });
    expect(decodeJsonSegment(value.split('.')[0] as string)).toEqual({ exp: nowSeconds() + 60, iat: nowSeconds(), kid: KID, enc: 'A256GCM', alg: 'dir' });
    expect(Object.keys(decodeJsonSegment(value.split('.')[0] as string))[0]).toBe('exp');
    expect((await readWith(value)).result).toEqual(DATA);
  });

  it('a value sealed by hand with node:crypto (the documented format) opens', async () => {
    const value = sealJwe({ alg: 'dir', enc: 'A256GCM', kid: KID, exp: nowSeconds() + 60 }, JSON_DATA, KEY);
    expect((await readWith(value)).result).toEqual(DATA);
  });
});

describe('hostile values read as no session', () => {
  const exp = () => nowSeconds() + 3600;

  it('control: the hand-made sealer produces values that open', async () => {
    const value = sealJwe({ alg: 'dir', enc: 'A256GCM', exp: exp() }, JSON_DATA, KEY);
    expect((await readWith(value)).result).toEqual(DATA);
  });

  it('authentic values whose header is not in the one strict spelling, refused before any decryption', async () => {
    const control = sealJweRaw(`{"alg":"dir","enc":"A256GCM","kid":"${KID}","exp":${exp()}}`, JSON_DATA, KEY);
    expect((await readWith(control)).result).toEqual(DATA);
    const decipher = vi.spyOn(builtinCrypto, 'createDecipheriv');
    for (const [label, headerJson] of nonStrictHeaders('"alg":"dir","enc":"A256GCM"', exp())) {
      const r = await readWith(sealJweRaw(headerJson, JSON_DATA, KEY));
      expect(r.result, label).toBeUndefined();
      expect(r.cleared, label).toBe(true);
    }
    expect(decipher).not.toHaveBeenCalled();
  });

  it('alg other than dir (A256KW, made by jose)', async () => {
    const value = await joseEncrypt(JSON_DATA, KEY, { alg: 'A256KW', enc: 'A256GCM', exp: exp() });
    const r = await readWith(value);
    expect(r.result).toBeUndefined();
    expect(r.cleared).toBe(true);
  });

  it('enc A128GCM (made by jose with a 128-bit key)', async () => {
    const value = await joseEncrypt(JSON_DATA, KEY.slice(0, 16), { alg: 'dir', enc: 'A128GCM', exp: exp() });
    expect((await readWith(value)).result).toBeUndefined();
  });

  const authenticHostileHeaders: Record<string, Record<string, unknown>> = {
    'zip: DEF': { zip: 'DEF' },
    crit: { crit: ['exp'] },
    'crit (empty)': { crit: [] },
    jku: { jku: 'https://evil.example/jwks.json' },
    jwk: { jwk: { kty: 'oct', k: b64url(KEY) } },
    x5u: { x5u: 'https://evil.example/cert' },
    'unknown field': { foo: 'bar' },
    typ: { typ: 'JWT' },
    'kid not a string': { kid: 12345 },
    'empty kid': { kid: '' },
    'exp as a string': { exp: String(exp()) },
    'fractional exp': { exp: exp() + 0.5 },
    'negative iat': { iat: -1 },
    'alg in another case': { alg: 'DIR' },
    'alg none': { alg: 'none' },
  };

  for (const [label, extra] of Object.entries(authenticHostileHeaders)) {
    it(`${label} (authentic: sealed with the right key), refused before any crypto`, async () => {
      const value = sealJwe({ alg: 'dir', enc: 'A256GCM', kid: KID, exp: exp(), ...extra }, JSON_DATA, KEY);
      const decipher = vi.spyOn(builtinCrypto, 'createDecipheriv');
      const r = await readWith(value);
      expect(r.result).toBeUndefined();
      expect(r.cleared).toBe(true);
      expect(decipher).not.toHaveBeenCalled();
    });
  }

  it('control: the createDecipheriv spy sees decryption of a valid value', async () => {
    const value = await ourValue();
    const decipher = vi.spyOn(builtinCrypto, 'createDecipheriv');
    expect((await readWith(value)).result).toEqual(DATA);
    expect(decipher).toHaveBeenCalled();
  });

  it('header that is an array, a string, or not JSON', async () => {
    const value = await ourValue();
    for (const h of [b64url('[]'), b64url('"dir"'), b64url('{alg:dir}'), b64url('null'), '', '!!!!']) {
      expect((await readWith(replaceSegment(value, 0, h))).result, h).toBeUndefined();
    }
  });

  it('a non-empty encrypted-key segment', async () => {
    const value = await ourValue();
    for (const ek of ['AAAA', 'A', b64url(KEY)]) {
      expect((await readWith(replaceSegment(value, 1, ek))).result, ek).toBeUndefined();
    }
  });

  it('PBES2 with p2c: 1e9 is refused before any key derivation or decryption', async () => {
    const value = await ourValue();
    const parts = value.split('.');
    const pbes2Header = b64url(
      JSON.stringify({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 1e9, p2s: b64url('saltsaltsaltsalt') }),
    );
    const hostile = [pbes2Header, b64url(new Uint8Array(40)), parts[2], parts[3], parts[4]].join('.');
    const pbkdf2 = vi.spyOn(builtinCrypto, 'pbkdf2Sync');
    const decipher = vi.spyOn(builtinCrypto, 'createDecipheriv');
    const subtle = vi.spyOn(crypto.subtle, 'deriveBits');
    expect((await readWith(hostile)).result).toBeUndefined();
    expect(pbkdf2).not.toHaveBeenCalled();
    expect(decipher).not.toHaveBeenCalled();
    expect(subtle).not.toHaveBeenCalled();
  });

  it('a truncated tag', async () => {
    const value = await ourValue();
    const tag = value.split('.')[4] as string;
    for (const drop of [1, 2, 3, 4, 8, tag.length]) {
      const truncated = replaceSegment(value, 4, tag.slice(0, tag.length - drop));
      expect((await readWith(truncated)).result, `drop ${drop}`).toBeUndefined();
    }
    // Dropping characters from the end of the whole value, too.
    expect((await readWith(value.slice(0, -1))).result).toBeUndefined();
    expect((await readWith(value.slice(0, -4))).result).toBeUndefined();
  });

  it('a flipped bit in each of the five segments', async () => {
    const value = await ourValue();
    expect((await readWith(value)).result).toEqual(DATA);
    for (let segment = 0; segment < 5; segment++) {
      const original = value.split('.')[segment] as string;
      const bytes = Math.max(1, fromB64url(original).length);
      for (const byteIndex of [0, Math.floor(bytes / 2), bytes - 1]) {
        for (const bit of [0, 7]) {
          const tampered = replaceSegment(value, segment, flipBitInSegment(original, byteIndex, bit));
          expect(tampered).not.toBe(value);
          const r = await readWith(tampered);
          expect(r.result, `segment ${segment} byte ${byteIndex} bit ${bit}`).toBeUndefined();
          expect(r.cleared).toBe(true);
        }
      }
    }
  });

  it('non-canonical base64url (padding, stray low bits) and extra segments', async () => {
    const value = await ourValue();
    const [, , iv = '', , tag = ''] = value.split('.');
    expect((await readWith(replaceSegment(value, 4, `${tag}==`))).result).toBeUndefined();
    expect((await readWith(replaceSegment(value, 2, `${iv.slice(0, -1)}${iv.endsWith('A') ? 'B' : 'A'}`))).result).toBeUndefined();
    expect((await readWith(`${value}.`)).result).toBeUndefined();
    expect((await readWith(value.split('.').slice(0, 4).join('.'))).result).toBeUndefined();
  });

  it('a value made with another secret', async () => {
    const value = await ourValue(sessionsWith(OTHER_SECRET));
    expect((await readWith(value)).result).toBeUndefined();
    // Even without a kid (so every key is tried).
    const noKid = await joseEncrypt(JSON_DATA, deriveKey(OTHER_SECRET, 'user_session', 'jwe'), {
      alg: 'dir',
      enc: 'A256GCM',
      exp: exp(),
    });
    expect((await readWith(noKid)).result).toBeUndefined();
  });

  it('a value made for another session name with the same secret', async () => {
    const both = defineSessions({
      user_session: cookie<User>({ transform: encrypted({ secret: SECRET }) }),
      admin_session: cookie<User>({ transform: encrypted({ secret: SECRET }) }),
    });
    const { response } = await exchange(both, {}, (s) => s.set('admin_session', DATA));
    const adminValue = wireValue(response, 'admin_session');
    expect((await readWith(adminValue, both)).result).toBeUndefined();
    // Same without kid.
    const noKid = await joseEncrypt(JSON_DATA, deriveKey(SECRET, 'admin_session', 'jwe'), { alg: 'dir', enc: 'A256GCM', exp: exp() });
    expect((await readWith(noKid, both)).result).toBeUndefined();
  });

  it('a value longer than 4096 characters, even if authentic', async () => {
    const big: User = { id: 'x'.repeat(3200) };
    const ok: User = { id: 'x'.repeat(2800) };
    const small = sealJwe({ alg: 'dir', enc: 'A256GCM', kid: KID, exp: exp() }, JSON.stringify(ok), KEY);
    expect(small.length).toBeLessThanOrEqual(4096);
    expect((await readWith(small)).result).toEqual(ok);
    const large = sealJwe({ alg: 'dir', enc: 'A256GCM', kid: KID, exp: exp() }, JSON.stringify(big), KEY);
    expect(large.length).toBeGreaterThan(4096);
    const decipher = vi.spyOn(builtinCrypto, 'createDecipheriv');
    expect((await readWith(large)).result).toBeUndefined();
    expect(decipher).not.toHaveBeenCalled();
  });

  it('plaintext that is not valid UTF-8 or not JSON', async () => {
    const notJson = sealJwe({ alg: 'dir', enc: 'A256GCM', kid: KID, exp: exp() }, 'not json', KEY);
    expect((await readWith(notJson)).result).toBeUndefined();
    const header = b64url(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: KID, exp: exp() }));
    // Raw bytes 0xff 0xfe are never UTF-8: encrypt them with node:crypto directly.
    const { createCipheriv, randomBytes } = builtinCrypto;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', KEY, iv);
    cipher.setAAD(Buffer.from(header, 'latin1'));
    const ct = Buffer.concat([cipher.update(Buffer.from([0x22, 0xff, 0xfe, 0x22])), cipher.final()]);
    const value = `${header}..${iv.toString('base64url')}.${ct.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
    expect((await readWith(value)).result).toBeUndefined();
  });
});

describe('key rotation', () => {
  const oldOnly = sessionsWith(OLD_SECRET);
  const rotated = sessionsWith([SECRET, OLD_SECRET]);
  const OLD_KEY = deriveKey(OLD_SECRET, 'user_session', 'jwe');

  it('the first secret encrypts', async () => {
    const value = await ourValue(rotated);
    expect(decodeJsonSegment(value.split('.')[0] as string).kid).toBe(KID);
    expect(new TextDecoder().decode((await jose.compactDecrypt(value, KEY)).plaintext)).toBe(JSON_DATA);
  });

  it('a value under an old key opens and is re-issued under the current key on the same request', async () => {
    const oldValue = await ourValue(oldOnly);
    expect(decodeJsonSegment(oldValue.split('.')[0] as string).kid).toBe(kidOf(OLD_KEY));

    const r = await readWith(oldValue, rotated);
    expect(r.result).toEqual(DATA);
    expect(r.reissued).toBe(true);
    const fresh = wireValue(r.response, 'user_session');
    expect(decodeJsonSegment(fresh.split('.')[0] as string).kid).toBe(KID);
    expect(r.response.headers.get('cache-control')).toBe('private, no-store');

    // The re-issued value opens with the current key alone.
    expect((await readWith(fresh, standard)).result).toEqual(DATA);
    // And reading it under the rotated config sends nothing.
    const again = await readWith(fresh, rotated);
    expect(again.result).toEqual(DATA);
    expect(setCookies(again.response)).toEqual([]);
  });

  it('the re-issue keeps the old deadline: rotating keys does not extend a session', async () => {
    const oldValue = await ourValue(oldOnly);
    const { exp, iat } = decodeJsonSegment(oldValue.split('.')[0] as string);
    vi.setSystemTime(NOW.getTime() + 3600_000);
    const r = await readWith(oldValue, rotated);
    expect(r.reissued).toBe(true);
    const fresh = decodeJsonSegment(wireValue(r.response, 'user_session').split('.')[0] as string);
    expect(fresh).toMatchObject({ kid: KID, exp, iat });
    expect(setCookieFor(r.response, 'user_session')?.attributes.get('max-age')).toBe(String(7 * 24 * 3600 - 3600));
  });

  it('a kid-less value under the old key (from jose) opens and is re-issued', async () => {
    const value = await joseEncrypt(JSON_DATA, OLD_KEY, { alg: 'dir', enc: 'A256GCM', exp: nowSeconds() + 600 });
    const r = await readWith(value, rotated);
    expect(r.result).toEqual(DATA);
    expect(r.reissued).toBe(true);
    expect(decodeJsonSegment(wireValue(r.response, 'user_session').split('.')[0] as string).kid).toBe(KID);
  });

  it('a value with an unknown kid reads as no session, even if the key would open it', async () => {
    const value = sealJwe({ alg: 'dir', enc: 'A256GCM', kid: 'zzzzzzzz', exp: nowSeconds() + 600 }, JSON_DATA, KEY);
    const r = await readWith(value, rotated);
    expect(r.result).toBeUndefined();
    expect(r.cleared).toBe(true);
  });

  it('a value under a retired key no longer opens', async () => {
    const oldValue = await ourValue(oldOnly);
    expect((await readWith(oldValue, standard)).result).toBeUndefined();
  });
});

describe('expiry inside the protected header', () => {
  it('exp in the past reads as no session and clears the cookie', async () => {
    const value = await joseEncrypt(JSON_DATA, KEY, { alg: 'dir', enc: 'A256GCM', kid: KID, exp: nowSeconds() - 1 });
    const r = await readWith(value);
    expect(r.result).toBeUndefined();
    expect(r.cleared).toBe(true);
  });

  it('exp equal to now is already expired; exp one second ahead is not', async () => {
    const at = await joseEncrypt(JSON_DATA, KEY, { alg: 'dir', enc: 'A256GCM', exp: nowSeconds() });
    expect((await readWith(at)).result).toBeUndefined();
    const ahead = await joseEncrypt(JSON_DATA, KEY, { alg: 'dir', enc: 'A256GCM', exp: nowSeconds() + 1 });
    expect((await readWith(ahead)).result).toEqual(DATA);
  });

  it('our own value stops opening once its exp passes', async () => {
    const sessions = sessionsWith(SECRET, 120);
    const value = await ourValue(sessions);
    vi.setSystemTime(NOW.getTime() + 119_000);
    expect((await readWith(value, sessions)).result).toEqual(DATA);
    vi.setSystemTime(NOW.getTime() + 120_000);
    expect((await readWith(value, sessions)).result).toBeUndefined();
  });

  it('exp in the past is refused even when the session has no lifetime (maxAge: null)', async () => {
    const value = await joseEncrypt(JSON_DATA, KEY, { alg: 'dir', enc: 'A256GCM', kid: KID, exp: nowSeconds() - 60 });
    const r = await readWith(value, sessionsWith(SECRET, null));
    expect(r.result).toBeUndefined();
  });

  it('a value that expired under maxAge: 60 does not come back when the config moves to maxAge: null', async () => {
    const value = await ourValue(sessionsWith(SECRET, 60));
    vi.setSystemTime(NOW.getTime() + 3_600_000);
    expect((await readWith(value, sessionsWith(SECRET, 60))).result).toBeUndefined();
    expect((await readWith(value, sessionsWith(SECRET, null))).result).toBeUndefined();
  });

  it('the exp cannot be extended by the client (the header is authenticated)', async () => {
    const sessions = sessionsWith(SECRET, 60);
    const value = await ourValue(sessions);
    const [h = ''] = value.split('.');
    const header = decodeJsonSegment(h);
    const extended = replaceSegment(value, 0, b64url(JSON.stringify({ ...header, exp: (header.exp as number) + 86_400 })));
    expect((await readWith(extended, sessions)).result).toBeUndefined();
    const decipher = vi.spyOn(builtinCrypto, 'createDecipheriv');
    expect((await readWith(value, sessions)).result).toEqual(DATA);
    expect(decipher).toHaveBeenCalledTimes(1);
  });
});

describe('encrypted().forSession used on its own', () => {
  it('write/read round-trip and read rejects without throwing', async () => {
    const t = encrypted({ secret: SECRET }).forSession('user_session');
    const value = await t.write(JSON_DATA);
    expect(await t.read(value)).toBe(JSON_DATA);
    expect(new TextDecoder().decode((await jose.compactDecrypt(value, KEY)).plaintext)).toBe(JSON_DATA);
    for (const bad of ['', 'x', '....', `${value}x`, 'a'.repeat(5000)]) {
      await expect(Promise.resolve(t.read(bad))).resolves.toBeUndefined();
    }
  });

  it('keeps a leading BOM: U+FEFF is data, sealed as its UTF-8 bytes', async () => {
    const t = encrypted({ secret: SECRET }).forSession('s');
    for (const text of ['\uFEFFhello', '\uFEFF', 'a\uFEFF']) expect(await t.read(await t.write(text))).toBe(text);
    const { plaintext } = await jose.compactDecrypt(await t.write('\uFEFFhello'), deriveKey(SECRET, 's', 'jwe'));
    expect([...plaintext]).toEqual([0xef, 0xbb, 0xbf, ...Buffer.from('hello')]);
    const fromJose = await joseEncrypt('\uFEFFhello', deriveKey(SECRET, 's', 'jwe'), { alg: 'dir', enc: 'A256GCM' });
    expect(await t.read(fromJose)).toBe('\uFEFFhello');
  });

  it('refuses to write text with a lone surrogate (UTF-8 would alter it)', async () => {
    const t = encrypted({ secret: SECRET }).forSession('s');
    await expect(Promise.resolve(t.write('a\uD800b'))).rejects.toMatchObject({ code: 'ERR_SESSION_DATA' });
  });
});

describe('properties', () => {
  const t = encrypted({ secret: SECRET }).forSession('user_session');

  it('mutations in every segment (header, key, iv, ciphertext, tag) never throw and never open', async () => {
    const original = await t.write(JSON_DATA);
    await fc.assert(
      fc.asyncProperty(mutationOf(original, jweLayout), async (mutation) => {
        fc.pre(mutation.value !== original);
        expect(await t.read(mutation.value)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('through get: a mutated cookie reads as no session, never an exception', async () => {
    const original = await ourValue();
    await fc.assert(
      fc.asyncProperty(mutationOf(original, jweLayout), async (mutation) => {
        fc.pre(mutation.value !== original && !/\p{Cs}/u.test(mutation.value));
        // Percent-encoded as a cookie must be; lone surrogates cannot be (see the forSession property).
        expect((await readWith(encodeURIComponent(mutation.value))).result).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });
});
