/**
 * The Web Crypto / jose path of encrypted() and signed(), as on the Edge
 * runtime: node:crypto is hidden from the library, so keys are derived with
 * crypto.subtle and values sealed and opened by jose. Values must be the
 * same format as on the Node path.
 */
import { createHmac } from 'node:crypto';
import * as jose from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nodeCrypto } from '../internal/runtime.ts';
import { type Sessions, cookie, defineSessions, encrypted, signed } from '../index.ts';
import {
  OLD_SECRET,
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
} from '../test-helpers.testutil.ts';

vi.mock('../internal/runtime', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../internal/runtime.ts')>()),
  nodeCrypto: undefined,
}));

interface User {
  id: string;
}

const NOW = new Date('2031-03-04T05:06:07Z');
const DATA: User = { id: 'edge 😀' };
const JSON_DATA = JSON.stringify(DATA);
const JWE_KEY = deriveKey(SECRET, 's', 'jwe');
const JWS_KEY = deriveKey(SECRET, 's', 'jws');

const make = (kind: 'encrypted' | 'signed', secret: string | string[] = SECRET, maxAge?: number) =>
  defineSessions({
    s: cookie<User>({
      transform: kind === 'encrypted' ? encrypted({ secret }) : signed({ secret }),
      cookie: maxAge === undefined ? undefined : { maxAge },
    }),
  });

async function write(sessions: Sessions<{ s: User }>): Promise<string> {
  const { response } = await exchange(sessions, {}, (s) => s.set('s', DATA));
  return wireValue(response, 's');
}

async function read(sessions: Sessions<{ s: User }>, value: string) {
  const { response, result } = await exchange(sessions, { cookies: { s: value } }, (s) => s.get('s'));
  const c = setCookieFor(response, 's');
  return { result, response, cleared: c !== undefined && isClearing(c), reissued: c !== undefined && !isClearing(c) };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});

afterEach(() => {
  vi.useRealTimers();
});

it('runs with node:crypto hidden from the library: keys come from crypto.subtle', async () => {
  expect(nodeCrypto).toBeUndefined();
  const deriveBits = vi.spyOn(crypto.subtle, 'deriveBits');
  const sessions = make('encrypted');
  expect((await read(sessions, await write(sessions))).result).toEqual(DATA);
  expect(deriveBits).toHaveBeenCalledTimes(1);
  deriveBits.mockRestore();
});

describe('encrypted() without node:crypto', () => {
  const sessions = make('encrypted');

  it('writes the same format, with the same kid, and jose opens it', async () => {
    const value = await write(sessions);
    const [h = '', ek, iv = '', , tag = ''] = value.split('.');
    expect(decodeJsonSegment(h)).toEqual({
      alg: 'dir',
      enc: 'A256GCM',
      kid: kidOf(JWE_KEY),
      iat: nowSeconds(),
      exp: nowSeconds() + 7 * 24 * 3600,
    });
    expect(ek).toBe('');
    expect(fromB64url(iv)).toHaveLength(12);
    expect(fromB64url(tag)).toHaveLength(16);
    const { plaintext } = await jose.compactDecrypt(value, JWE_KEY);
    expect(new TextDecoder().decode(plaintext)).toBe(JSON_DATA);
  });

  it('reads back its own values, values sealed the Node way, and jose values', async () => {
    expect((await read(sessions, await write(sessions))).result).toEqual(DATA);
    const nodeStyle = sealJwe({ alg: 'dir', enc: 'A256GCM', kid: kidOf(JWE_KEY), exp: nowSeconds() + 60 }, JSON_DATA, JWE_KEY);
    expect((await read(sessions, nodeStyle)).result).toEqual(DATA);
    const joseValue = await new jose.CompactEncrypt(new TextEncoder().encode(JSON_DATA))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', exp: nowSeconds() + 60 })
      .encrypt(JWE_KEY);
    expect((await read(sessions, joseValue)).result).toEqual(DATA);
  });

  it('refuses tampering, hostile headers, other keys and expired values', async () => {
    const value = await write(sessions);
    for (let segment = 0; segment < 5; segment++) {
      const tampered = replaceSegment(value, segment, flipBitInSegment(value.split('.')[segment] as string, 3, 2));
      const r = await read(sessions, tampered);
      expect(r.result, `segment ${segment}`).toBeUndefined();
      expect(r.cleared).toBe(true);
    }
    const exp = nowSeconds() + 60;
    for (const extra of [{ zip: 'DEF' }, { crit: ['exp'] }, { jku: 'https://evil.example' }, { foo: 1 }]) {
      const hostile = sealJwe({ alg: 'dir', enc: 'A256GCM', exp, ...extra }, JSON_DATA, JWE_KEY);
      expect((await read(sessions, hostile)).result, JSON.stringify(extra)).toBeUndefined();
    }
    const pbes2 = [b64url(JSON.stringify({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM', p2c: 1e9, p2s: 'AAAAAAAAAAAAAAAAAAAAAA' })), ...value.split('.').slice(1)].join('.');
    const started = performance.now();
    expect((await read(sessions, pbes2)).result).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(100);
    expect((await read(sessions, await write(make('encrypted', OLD_SECRET)))).result).toBeUndefined();
    const expired = sealJwe({ alg: 'dir', enc: 'A256GCM', exp: nowSeconds() - 1 }, JSON_DATA, JWE_KEY);
    expect((await read(sessions, expired)).result).toBeUndefined();
    expect((await read(sessions, 'x'.repeat(5000))).result).toBeUndefined();
  });

  it('rotates keys: an old-key value opens and is re-issued under the current kid', async () => {
    const oldValue = await write(make('encrypted', OLD_SECRET));
    const rotated = make('encrypted', [SECRET, OLD_SECRET]);
    const r = await read(rotated, oldValue);
    expect(r.result).toEqual(DATA);
    expect(r.reissued).toBe(true);
    const fresh = wireValue(r.response, 's');
    expect(decodeJsonSegment(fresh.split('.')[0] as string).kid).toBe(kidOf(JWE_KEY));
    expect(setCookies((await read(rotated, fresh)).response)).toEqual([]);
  });
});

describe('signed() without node:crypto', () => {
  const sessions = make('signed');

  it('writes the same format and jose verifies it', async () => {
    const value = await write(sessions);
    const [h = '', p = '', mac = ''] = value.split('.');
    expect(decodeJsonSegment(h)).toEqual({ alg: 'HS256', kid: kidOf(JWS_KEY), iat: nowSeconds(), exp: nowSeconds() + 7 * 24 * 3600 });
    expect(fromB64url(p).toString('utf8')).toBe(JSON_DATA);
    expect(createHmac('sha256', JWS_KEY).update(`${h}.${p}`).digest('base64url')).toBe(mac);
    await expect(jose.compactVerify(value, JWS_KEY)).resolves.toBeDefined();
  });

  it('reads its own and jose values; refuses tampering, other keys and expired values', async () => {
    const value = await write(sessions);
    expect((await read(sessions, value)).result).toEqual(DATA);
    const joseValue = await new jose.CompactSign(new TextEncoder().encode(JSON_DATA))
      .setProtectedHeader({ alg: 'HS256', exp: nowSeconds() + 60 } as jose.CompactJWSHeaderParameters)
      .sign(JWS_KEY);
    expect((await read(sessions, joseValue)).result).toEqual(DATA);
    for (let segment = 0; segment < 3; segment++) {
      const tampered = replaceSegment(value, segment, flipBitInSegment(value.split('.')[segment] as string, 2, 3));
      expect((await read(sessions, tampered)).result, `segment ${segment}`).toBeUndefined();
    }
    expect((await read(sessions, await write(make('signed', OLD_SECRET)))).result).toBeUndefined();
    vi.setSystemTime(NOW.getTime() + 8 * 24 * 3600 * 1000);
    expect((await read(sessions, value)).result).toBeUndefined();
  });

  it('rotates keys', async () => {
    vi.setSystemTime(NOW);
    const oldValue = await write(make('signed', OLD_SECRET));
    const r = await read(make('signed', [SECRET, OLD_SECRET]), oldValue);
    expect(r.result).toEqual(DATA);
    expect(r.reissued).toBe(true);
    expect(decodeJsonSegment(wireValue(r.response, 's').split('.')[0] as string).kid).toBe(kidOf(JWS_KEY));
  });
});
