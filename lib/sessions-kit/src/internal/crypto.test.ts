/**
 * The crypto chosen once: node:crypto where the runtime has it, Web Crypto elsewhere. Both
 * backends must give the same bytes as node:crypto used directly, and compare the same way.
 */
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type CryptoModule = typeof import('./crypto.ts');

/** The module as loaded with node:crypto (Node) or without it (Edge, workers). */
async function load(withNode: boolean): Promise<CryptoModule> {
  vi.resetModules();
  if (!withNode) {
    vi.doMock('./platform.ts', async (importOriginal) => ({
      ...(await importOriginal<typeof import('./platform.ts')>()),
      nodeCrypto: undefined,
    }));
  }
  try {
    return await import('./crypto.ts');
  } finally {
    vi.doUnmock('./platform.ts');
    vi.resetModules();
  }
}

const backends: Array<[string, boolean]> = [
  ['node:crypto', true],
  ['Web Crypto', false],
];

describe.each(backends)('%s', (_name, withNode) => {
  let crypto: CryptoModule;
  beforeAll(async () => {
    crypto = await load(withNode);
  });
  afterAll(() => {
    vi.resetModules();
  });

  it('timingSafeEqual compares contents; different lengths are unequal, not an error', () => {
    expect(crypto.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(crypto.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(crypto.timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(crypto.timingSafeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('timingSafeEqualText: equal only for the same text; a prefix or a one-character change is unequal', () => {
    const mac = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(crypto.timingSafeEqualText(mac, `${mac}`)).toBe(true);
    expect(crypto.timingSafeEqualText(mac, mac.slice(0, -1))).toBe(false);
    expect(crypto.timingSafeEqualText(mac.slice(0, -1), mac)).toBe(false);
    expect(crypto.timingSafeEqualText(mac, `${mac.slice(0, -1)}l`)).toBe(false);
    expect(crypto.timingSafeEqualText(mac, `${mac}A`)).toBe(false);
    expect(crypto.timingSafeEqualText('', '')).toBe(true);
  });

  it('sha256, hkdf and hmac give the bytes node:crypto gives', async () => {
    for (const text of ['', 'abc', 'ünïcødé ✓ 😀']) {
      expect(Buffer.from(await crypto.sha256(text)).toString('hex')).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
    const key = await crypto.hkdf('secret-0123456789abcdefghijklmnopqrstuvwxyz', 'user_session', 'sessions-kit jwe');
    expect(Buffer.from(key).toString('hex')).toBe(
      Buffer.from(hkdfSync('sha256', 'secret-0123456789abcdefghijklmnopqrstuvwxyz', 'user_session', 'sessions-kit jwe', 32)).toString('hex'),
    );
    const mac = await crypto.hmac(key);
    expect(await mac('header.payload')).toBe(createHmac('sha256', key).update('header.payload', 'latin1').digest('base64url'));
  });

  it('aesGcm opens what it sealed, and nothing that was changed', async () => {
    const key = await crypto.aesGcm(new Uint8Array(32).fill(7) as Uint8Array<ArrayBuffer>);
    const { iv, ciphertext, tag } = await key.seal('aad', 'hello ✓');
    expect(Buffer.from((await key.open('aad', iv, ciphertext, tag)) as Uint8Array).toString('utf8')).toBe('hello ✓');
    expect(await key.open('other', iv, ciphertext, tag)).toBeUndefined();
    const flipped = Uint8Array.from(ciphertext);
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(await key.open('aad', iv, flipped, tag)).toBeUndefined();
  });
});
