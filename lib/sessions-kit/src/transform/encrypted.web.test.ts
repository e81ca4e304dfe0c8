
import * as jose from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { encrypted } from '../index.ts';
import {
  OLD_SECRET,
  SECRET,
  b64url,
  decodeJsonSegment,
  deriveKey,
  flipBitInSegment,
  fromB64url,
  kidOf,
  nowSeconds,
  replaceSegment,
  wireValue,
  sealJwe,
  setCookies,
} from '../../test/helpers.ts';
import { DATA, JSON_DATA, onWebCrypto, read, sessionsOf, write } from '../../test/web-crypto.ts';

vi.mock('../internal/platform', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../internal/platform.ts')>()),
  nodeCrypto: undefined,
}));

const JWE_KEY = deriveKey(SECRET, 's', 'jwe');
const make = sessionsOf(encrypted);

onWebCrypto(make);

describe('encrypted() without node:crypto', () => {
  const sessions = make();

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
    // Refused before any crypto: no PBKDF2 with a billion iterations, no decryption.
    const deriveBits = vi.spyOn(crypto.subtle, 'deriveBits');
    const decrypt = vi.spyOn(crypto.subtle, 'decrypt');
    expect((await read(sessions, pbes2)).result).toBeUndefined();
    expect(deriveBits).not.toHaveBeenCalled();
    expect(decrypt).not.toHaveBeenCalled();
    deriveBits.mockRestore();
    decrypt.mockRestore();
    expect((await read(sessions, await write(make(OLD_SECRET)))).result).toBeUndefined();
    const expired = sealJwe({ alg: 'dir', enc: 'A256GCM', exp: nowSeconds() - 1 }, JSON_DATA, JWE_KEY);
    expect((await read(sessions, expired)).result).toBeUndefined();
    expect((await read(sessions, 'x'.repeat(5000))).result).toBeUndefined();
  });

  it('rotates keys: an old-key value opens and is re-issued under the current kid', async () => {
    const oldValue = await write(make(OLD_SECRET));
    const rotated = make([SECRET, OLD_SECRET]);
    const r = await read(rotated, oldValue);
    expect(r.result).toEqual(DATA);
    expect(r.reissued).toBe(true);
    const fresh = wireValue(r.response, 's');
    expect(decodeJsonSegment(fresh.split('.')[0] as string).kid).toBe(kidOf(JWE_KEY));
    expect(setCookies((await read(rotated, fresh)).response)).toEqual([]);
  });

  it('keeps a leading BOM (U+FEFF is data) and jose reads the same bytes', async () => {
    const t = encrypted({ secret: SECRET }).forSession('s');
    const value = await t.write('\uFEFFhello');
    expect(await t.read(value)).toBe('\uFEFFhello');
    const { plaintext } = await jose.compactDecrypt(value, JWE_KEY);
    expect([...plaintext.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it('opens a jose value whose header lists the same fields in another order', async () => {
    const joseValue = await new jose.CompactEncrypt(new TextEncoder().encode(JSON_DATA))
      .setProtectedHeader({ exp: nowSeconds() + 60, kid: kidOf(JWE_KEY), enc: 'A256GCM', alg: 'dir' })
      .encrypt(JWE_KEY);
    expect((await read(sessions, joseValue)).result).toEqual(DATA);
  });
});
