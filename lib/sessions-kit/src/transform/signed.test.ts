/**
 * signed({ secret }): JWS compact HS256. Interop with jose both ways,
 * tampering, readable payload, key rotation and expiry.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import * as jose from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cookie, defineSessions, header, signed } from '../index.ts';
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
  setCookieFor,
  setCookies,
  wireValue,
  exchange,
} from '../../test/helpers.ts';
import { jwsLayout, mutationOf } from '../../test/mutations.ts';
import { nonStrictHeaders, signJwsRaw } from '../../test/protected-values.ts';

interface Cart {
  items: { sku: string; qty: number }[];
  note?: string;
}

const NOW = new Date('2031-03-04T05:06:07Z');
const KEY = deriveKey(SECRET, 'cart', 'jws');
const KID = kidOf(KEY);
const DATA: Cart = { items: [{ sku: 'A-1', qty: 2 }], note: 'gift 🎁 "wrap"' };
const JSON_DATA = JSON.stringify(DATA);

const sessionsWith = (secret: string | string[], maxAge?: number | null) =>
  defineSessions({
    cart: cookie<Cart>({ transform: signed({ secret }), cookie: maxAge === undefined ? undefined : { maxAge } }),
  });
const standard = sessionsWith(SECRET);

async function ourValue(sessions = standard, data: Cart = DATA): Promise<string> {
  const { response } = await exchange(sessions, {}, (s) => s.set('cart', data));
  return wireValue(response, 'cart');
}

async function readWith(value: string, sessions = standard) {
  const { response, result } = await exchange(sessions, { cookies: { cart: value } }, (s) => s.get('cart'));
  const c = setCookieFor(response, 'cart');
  return { result, response, cleared: c !== undefined && isClearing(c), reissued: c !== undefined && !isClearing(c) };
}

const joseSign = (payload: string, key: Uint8Array, protectedHeader: jose.CompactJWSHeaderParameters) =>
  new jose.CompactSign(new TextEncoder().encode(payload)).setProtectedHeader(protectedHeader).sign(key);

/** HS256 by hand over any header, so hostile headers carry a valid MAC. */
function signByHand(headerObject: Record<string, unknown>, payload: string, key: Uint8Array): string {
  const input = `${b64url(JSON.stringify(headerObject))}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('wire format', () => {
  it('is a JWS compact HS256 value with kid, iat and exp in the header', async () => {
    const value = await ourValue();
    expect(value).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const [h = '', p = '', mac = ''] = value.split('.');
    expect(decodeJsonSegment(h)).toEqual({ alg: 'HS256', kid: KID, iat: nowSeconds(), exp: nowSeconds() + 7 * 24 * 3600 });
    expect(fromB64url(mac)).toHaveLength(32);
    // The payload is readable: base64url-decoding the middle segment gives the JSON.
    expect(fromB64url(p).toString('utf8')).toBe(JSON_DATA);
    expect(JSON.parse(fromB64url(p).toString('utf8'))).toEqual(DATA);
  });

  it('the MAC is HMAC-SHA256 under the documented key', async () => {
    const value = await ourValue();
    const [h = '', p = '', mac = ''] = value.split('.');
    expect(createHmac('sha256', KEY).update(`${h}.${p}`).digest('base64url')).toBe(mac);
  });

  it('the key is bound to the wire name, with the jws info (not the jwe key)', async () => {
    const value = await ourValue();
    await expect(jose.compactVerify(value, deriveKey(SECRET, 'cart', 'jwe'))).rejects.toThrow();
    await expect(jose.compactVerify(value, deriveKey(SECRET, 'other', 'jws'))).rejects.toThrow();
  });
});

describe('jose interop', () => {
  it('jose.compactVerify opens our value with the derived key', async () => {
    const value = await ourValue();
    const { payload, protectedHeader } = await jose.compactVerify(value, KEY, { algorithms: ['HS256'] });
    expect(new TextDecoder().decode(payload)).toBe(JSON_DATA);
    expect(protectedHeader.kid).toBe(KID);
  });

  it('a jose CompactSign HS256 value with exp opens in our session get', async () => {
    const value = await joseSign(JSON_DATA, KEY, { alg: 'HS256', exp: nowSeconds() + 3600 } as jose.CompactJWSHeaderParameters);
    const r = await readWith(value);
    expect(r.result).toEqual(DATA);
    expect(setCookies(r.response)).toEqual([]);
  });

  it('a jose value with kid and iat opens', async () => {
    const value = await joseSign(JSON_DATA, KEY, {
      alg: 'HS256',
      kid: KID,
      iat: nowSeconds(),
      exp: nowSeconds() + 3600,
    } as jose.CompactJWSHeaderParameters);
    expect((await readWith(value)).result).toEqual(DATA);
  });

  it('a jose value with our fields in another order opens (the header is not re-serialized)', async () => {
    const value = await joseSign(JSON_DATA, KEY, { exp: nowSeconds() + 60, kid: KID, alg: 'HS256' } as jose.CompactJWSHeaderParameters);
    expect(Object.keys(decodeJsonSegment(value.split('.')[0] as string))).toEqual(['exp', 'kid', 'alg']);
    expect((await readWith(value)).result).toEqual(DATA);
  });

  it('header sessions carry the same format', async () => {
    const sessions = defineSessions({ h: header<Cart>({ name: 'X-Cart', transform: signed({ secret: SECRET }) }) });
    const { response } = await exchange(sessions, {}, (s) => s.set('h', DATA));
    const value = response.headers.get('X-Cart') ?? '';
    const { payload } = await jose.compactVerify(value, deriveKey(SECRET, 'X-Cart', 'jws'));
    expect(new TextDecoder().decode(payload)).toBe(JSON_DATA);
  });
});

describe('tampering reads as no session', () => {
  it('payload, header or MAC changed', async () => {
    const value = await ourValue();
    expect((await readWith(value)).result).toEqual(DATA);
    for (let segment = 0; segment < 3; segment++) {
      const original = value.split('.')[segment] as string;
      const bytes = fromB64url(original).length;
      for (const byteIndex of [0, Math.floor(bytes / 2), bytes - 1]) {
        const tampered = replaceSegment(value, segment, flipBitInSegment(original, byteIndex, 1));
        const r = await readWith(tampered);
        expect(r.result, `segment ${segment} byte ${byteIndex}`).toBeUndefined();
        expect(r.cleared).toBe(true);
      }
    }
  });

  it('a payload swapped for another valid-looking one', async () => {
    const value = await ourValue();
    const forged = replaceSegment(value, 1, b64url(JSON.stringify({ items: [{ sku: 'A-1', qty: 999 }] })));
    expect((await readWith(forged)).result).toBeUndefined();
  });

  it('an extended exp', async () => {
    const value = await ourValue(sessionsWith(SECRET, 60));
    const header = decodeJsonSegment(value.split('.')[0] as string);
    const forged = replaceSegment(value, 0, b64url(JSON.stringify({ ...header, exp: (header.exp as number) + 86_400 })));
    expect((await readWith(forged, sessionsWith(SECRET, 60))).result).toBeUndefined();
  });

  it('alg none, alg HS512, unknown header fields and crit are refused even with a valid MAC', async () => {
    const exp = nowSeconds() + 3600;
    const control = signByHand({ alg: 'HS256', kid: KID, exp }, JSON_DATA, KEY);
    expect((await readWith(control)).result).toEqual(DATA);
    for (const h of [
      { alg: 'none', exp },
      { alg: 'HS512', kid: KID, exp },
      { alg: 'HS256', kid: KID, exp, b64: false, crit: ['b64'] },
      { alg: 'HS256', kid: KID, exp, jku: 'https://evil.example' },
      { alg: 'HS256', kid: KID, exp, jwk: { kty: 'oct', k: b64url(KEY) } },
      { alg: 'HS256', kid: KID, exp, foo: 1 },
      { alg: 'HS256', kid: KID, exp, enc: 'A256GCM' },
    ]) {
      expect((await readWith(signByHand(h, JSON_DATA, KEY))).result, JSON.stringify(h)).toBeUndefined();
    }
    // Unsigned (empty MAC).
    expect((await readWith(`${control.split('.').slice(0, 2).join('.')}.`)).result).toBeUndefined();
  });

  it('authentic values whose header is not in the one strict spelling', async () => {
    const exp = nowSeconds() + 3600;
    expect((await readWith(signJwsRaw(`{"alg":"HS256","kid":"${KID}","exp":${exp}}`, JSON_DATA, KEY))).result).toEqual(DATA);
    for (const [label, headerJson] of nonStrictHeaders('"alg":"HS256"', exp)) {
      const r = await readWith(signJwsRaw(headerJson, JSON_DATA, KEY));
      expect(r.result, label).toBeUndefined();
      expect(r.cleared, label).toBe(true);
    }
  });

  it('a truncated MAC, extra segments, garbage', async () => {
    const value = await ourValue();
    expect((await readWith(value.slice(0, -1))).result).toBeUndefined();
    expect((await readWith(value.slice(0, -4))).result).toBeUndefined();
    expect((await readWith(`${value}.x`)).result).toBeUndefined();
    for (const bad of ['INVALID', 'a.b.c', '..', 'a'.repeat(5000)]) {
      expect((await readWith(bad)).result).toBeUndefined();
    }
  });

  it('a value signed with another secret or for another session', async () => {
    expect((await readWith(await ourValue(sessionsWith(OTHER_SECRET)))).result).toBeUndefined();
    const other = defineSessions({ cart: cookie<Cart>(), wishlist: cookie<Cart>({ transform: signed({ secret: SECRET }) }) });
    const { response } = await exchange(other, {}, (s) => s.set('wishlist', DATA));
    expect((await readWith(wireValue(response, 'wishlist'))).result).toBeUndefined();
    const noKid = await joseSign(JSON_DATA, deriveKey(SECRET, 'wishlist', 'jws'), {
      alg: 'HS256',
      exp: nowSeconds() + 60,
    } as jose.CompactJWSHeaderParameters);
    expect((await readWith(noKid)).result).toBeUndefined();
  });
});

describe('key rotation', () => {
  const rotated = sessionsWith([SECRET, OLD_SECRET]);
  const OLD_KEY = deriveKey(OLD_SECRET, 'cart', 'jws');

  it('an old-key value opens and is re-issued with the current key', async () => {
    const oldValue = await ourValue(sessionsWith(OLD_SECRET));
    expect(decodeJsonSegment(oldValue.split('.')[0] as string).kid).toBe(kidOf(OLD_KEY));
    const r = await readWith(oldValue, rotated);
    expect(r.result).toEqual(DATA);
    expect(r.reissued).toBe(true);
    const fresh = wireValue(r.response, 'cart');
    expect(decodeJsonSegment(fresh.split('.')[0] as string).kid).toBe(KID);
    await expect(jose.compactVerify(fresh, KEY)).resolves.toBeDefined();
    const again = await readWith(fresh, rotated);
    expect(again.result).toEqual(DATA);
    expect(setCookies(again.response)).toEqual([]);
  });

  it('a kid-less old-key value from jose opens and is re-issued', async () => {
    const value = await joseSign(JSON_DATA, OLD_KEY, { alg: 'HS256', exp: nowSeconds() + 60 } as jose.CompactJWSHeaderParameters);
    const r = await readWith(value, rotated);
    expect(r.result).toEqual(DATA);
    expect(r.reissued).toBe(true);
  });

  it('an unknown kid reads as no session', async () => {
    const value = signByHand({ alg: 'HS256', kid: 'nope1234', exp: nowSeconds() + 60 }, JSON_DATA, KEY);
    expect((await readWith(value, rotated)).result).toBeUndefined();
  });
});

describe('expiry', () => {
  it('exp in the past reads as no session and clears the cookie', async () => {
    const value = await joseSign(JSON_DATA, KEY, { alg: 'HS256', kid: KID, exp: nowSeconds() - 1 } as jose.CompactJWSHeaderParameters);
    const r = await readWith(value);
    expect(r.result).toBeUndefined();
    expect(r.cleared).toBe(true);
  });

  it('our value stops opening after maxAge', async () => {
    const sessions = sessionsWith(SECRET, 300);
    const value = await ourValue(sessions);
    vi.setSystemTime(NOW.getTime() + 299_000);
    expect((await readWith(value, sessions)).result).toEqual(DATA);
    vi.setSystemTime(NOW.getTime() + 300_000);
    expect((await readWith(value, sessions)).result).toBeUndefined();
  });

  it('exp in the past is refused even when the session has no lifetime (maxAge: null)', async () => {
    const value = await joseSign(JSON_DATA, KEY, { alg: 'HS256', exp: nowSeconds() - 60 } as jose.CompactJWSHeaderParameters);
    expect((await readWith(value, sessionsWith(SECRET, null))).result).toBeUndefined();
  });
});

describe('signed().forSession used on its own', () => {
  const t = signed({ secret: SECRET }).forSession('s');
  const key = deriveKey(SECRET, 's', 'jws');

  it('keeps a leading BOM: U+FEFF is data, signed as its UTF-8 bytes', async () => {
    for (const text of ['\uFEFFhello', '\uFEFF', 'a\uFEFF']) expect(await t.read(await t.write(text))).toBe(text);
    const value = await t.write('\uFEFFhello');
    expect([...fromB64url(value.split('.')[1] as string)]).toEqual([0xef, 0xbb, 0xbf, ...Buffer.from('hello')]);
    const fromJose = await joseSign('\uFEFFhello', key, { alg: 'HS256' });
    expect(await t.read(fromJose)).toBe('\uFEFFhello');
  });

  it('refuses to write text with a lone surrogate (UTF-8 would alter it)', async () => {
    await expect(Promise.resolve(t.write('a\uD800b'))).rejects.toMatchObject({ code: 'ERR_SESSION_DATA' });
  });

  it('read rejects without throwing', async () => {
    for (const bad of ['', 'x', '..', '...', 'a'.repeat(5000), '\uD800.a.b']) {
      await expect(Promise.resolve(t.read(bad))).resolves.toBeUndefined();
    }
  });
});

describe('properties', () => {
  const t = signed({ secret: SECRET }).forSession('cart');

  it('mutations in every segment (header, payload, mac) never throw and never open', async () => {
    const original = await t.write(JSON_DATA);
    await fc.assert(
      fc.asyncProperty(mutationOf(original, jwsLayout), async (mutation) => {
        fc.pre(mutation.value !== original);
        expect(await t.read(mutation.value)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('through get: a mutated cookie reads as no session, never an exception', async () => {
    const original = await ourValue();
    await fc.assert(
      fc.asyncProperty(mutationOf(original, jwsLayout), async (mutation) => {
        fc.pre(mutation.value !== original && !/\p{Cs}/u.test(mutation.value));
        // Percent-encoded as a cookie must be; lone surrogates cannot be (see the property above).
        expect((await readWith(encodeURIComponent(mutation.value))).result).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });
});
