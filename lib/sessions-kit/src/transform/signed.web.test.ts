/**
 * The Web Crypto path of signed(), as on the Edge runtime: node:crypto is hidden
 * from the library, so keys are derived and values signed with crypto.subtle.
 * Values must be the same format as on the Node path.
 */
import { createHmac } from 'node:crypto';
import * as jose from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nodeCrypto } from '../internal/platform.ts';
import { type Sessions, cookie, defineSessions, signed } from '../index.ts';
import {
  OLD_SECRET,
  SECRET,
  decodeJsonSegment,
  deriveKey,
  flipBitInSegment,
  fromB64url,
  isClearing,
  kidOf,
  nowSeconds,
  replaceSegment,
  setCookieFor,
  wireValue,
  exchange,
} from '../../test/helpers.ts';

vi.mock('../internal/platform', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../internal/platform.ts')>()),
  nodeCrypto: undefined,
}));

interface User {
  id: string;
}

const NOW = new Date('2031-03-04T05:06:07Z');
const DATA: User = { id: 'edge 😀' };
const JSON_DATA = JSON.stringify(DATA);
const JWS_KEY = deriveKey(SECRET, 's', 'jws');

const make = (secret: string | string[] = SECRET, maxAge?: number) =>
  defineSessions({
    s: cookie<User>({
      transform: signed({ secret }),
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
  const sessions = make();
  expect((await read(sessions, await write(sessions))).result).toEqual(DATA);
  expect(deriveBits).toHaveBeenCalledTimes(1);
  deriveBits.mockRestore();
});

describe('signed() without node:crypto', () => {
  const sessions = make();

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
    expect((await read(sessions, await write(make(OLD_SECRET)))).result).toBeUndefined();
    vi.setSystemTime(NOW.getTime() + 8 * 24 * 3600 * 1000);
    expect((await read(sessions, value)).result).toBeUndefined();
  });

  it('rotates keys', async () => {
    vi.setSystemTime(NOW);
    const oldValue = await write(make(OLD_SECRET));
    const r = await read(make([SECRET, OLD_SECRET]), oldValue);
    expect(r.result).toEqual(DATA);
    expect(r.reissued).toBe(true);
    expect(decodeJsonSegment(wireValue(r.response, 's').split('.')[0] as string).kid).toBe(kidOf(JWS_KEY));
  });

  it('keeps a leading BOM (U+FEFF is data)', async () => {
    const t = signed({ secret: SECRET }).forSession('s');
    const value = await t.write('\uFEFFhello');
    expect(await t.read(value)).toBe('\uFEFFhello');
    const { payload } = await jose.compactVerify(value, JWS_KEY);
    expect([...payload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });
});
