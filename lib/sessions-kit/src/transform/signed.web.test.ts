/**
 * The Web Crypto path of signed(), as on the Edge runtime: node:crypto is hidden
 * from the library, so keys are derived and values signed with crypto.subtle.
 * Values must be the same format as on the Node path.
 */
import { createHmac } from 'node:crypto';
import * as jose from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { signed } from '../index.ts';
import {
  OLD_SECRET,
  SECRET,
  decodeJsonSegment,
  deriveKey,
  flipBitInSegment,
  fromB64url,
  kidOf,
  nowSeconds,
  replaceSegment,
  wireValue,
} from '../../test/helpers.ts';
import { DATA, JSON_DATA, NOW, onWebCrypto, read, sessionsOf, write } from '../../test/web-crypto.ts';

vi.mock('../internal/platform', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../internal/platform.ts')>()),
  nodeCrypto: undefined,
}));

const JWS_KEY = deriveKey(SECRET, 's', 'jws');
const make = sessionsOf(signed);

onWebCrypto(make);

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
