/**
 * The demo's Ktor cookie: encrypted then signed, exactly as Ktor writes it with both transformers;
 * the IV can no longer be edited; keys follow SESSION_SECRET rotation or explicit KTOR_* lists.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ktorEncrypted } from 'sessions-kit/ktor';
import { deriveKtorKeys, ktorKeySets, ktorLayered } from './ktor-keys';

// Ktor's own test vector for SessionTransportTransformerEncrypt: {"userId":"id2","cart":[]} under these keys.
const ENCRYPT_KEY = '00112233445566778899aabbccddeeff';
const SIGN_KEY = '02030405060708090a0b0c';
const KTOR_ENCRYPTED =
  '00112233445566778899aabbccddeeff/9b8cf9900ff0f63849cb7a2ad71ed8a1ac9f0e2735492d2a5129cf278d70ab27:40af9f393a00034b53d2267251047259005bdf5ff104eede599149e80e6fee13';
const PLAIN = '{"userId":"id2","cart":[]}';
const hmacHex = (keyHex: string, text: string) => createHmac('sha256', Buffer.from(keyHex, 'hex')).update(text).digest('hex');

const OLD = 'old-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const NEW = 'new-secret-0123456789abcdefghijklmnopqrstuvwxyz';

describe('ktorLayered', () => {
  const env = { KTOR_ENCRYPT_KEY: ENCRYPT_KEY, KTOR_SIGN_KEY: SIGN_KEY };

  it("reads what Ktor writes with Encrypt then MessageAuthentication: '<encrypted>/<hmac of that text>'", async () => {
    const t = ktorLayered(ktorKeySets([], env));
    expect(await t.read(`${KTOR_ENCRYPTED}/${hmacHex(SIGN_KEY, KTOR_ENCRYPTED)}`)).toBe(PLAIN);
  });

  it('writes the same layering: the inner part opens with plain ktorEncrypted, the outer is the HMAC of it', async () => {
    const t = ktorLayered(ktorKeySets([], env));
    const wire = await t.write(PLAIN);
    expect(wire).toMatch(/^[0-9a-f]{32}\/(?:[0-9a-f]{32})+:[0-9a-f]{64}\/[0-9a-f]{64}$/);
    const slash = wire.lastIndexOf('/');
    const inner = wire.slice(0, slash);
    expect(wire.slice(slash + 1)).toBe(hmacHex(SIGN_KEY, inner));
    expect(await ktorEncrypted({ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY }).read(inner)).toBe(PLAIN);
  });

  it('the encrypted-only value (no outer signature) no longer reads', async () => {
    expect(await ktorLayered(ktorKeySets([], env)).read(KTOR_ENCRYPTED)).toBeUndefined();
  });

  it('XOR-ing the IV (the unauthenticated part of the inner format) is caught by the outer signature', async () => {
    const t = ktorLayered(ktorKeySets([OLD]));
    const wire = await t.write('{"userId":"guest-12345","cart":[]}');
    // Turn "guest" into "admin" in the first CBC block by editing the IV: valid for ktorEncrypted alone.
    const iv = Buffer.from(wire.slice(0, 32), 'hex');
    const from = Buffer.from('{"userId":"guest');
    const to = Buffer.from('{"userId":"admin');
    for (let i = 0; i < 16; i++) iv[i] = (iv[i] as number) ^ (from[i] as number) ^ (to[i] as number);
    const forged = iv.toString('hex') + wire.slice(32);
    const inner = forged.slice(0, forged.lastIndexOf('/'));
    const keys = deriveKtorKeys(OLD);
    // The attack works on the bare encrypted format…
    expect(await ktorEncrypted({ encryptionKey: keys.encryptionKey, signKey: keys.signKey }).read(inner)).toBe(
      '{"userId":"admin-12345","cart":[]}',
    );
    // …and not on the layered one.
    expect(await t.read(forged)).toBeUndefined();
  });

  it('survives a SESSION_SECRET rotation: written under the old secret, read under "new,old", rewritten under new', async () => {
    const before = ktorLayered(ktorKeySets([OLD]));
    const written = await before.write(PLAIN);
    const rotated = ktorLayered(ktorKeySets([NEW, OLD]));
    expect(await rotated.read(written)).toBe(PLAIN);
    const rewritten = await rotated.write(PLAIN);
    expect(await ktorLayered(ktorKeySets([NEW])).read(rewritten)).toBe(PLAIN);
    // Once the old secret is dropped, its values stop reading.
    expect(await ktorLayered(ktorKeySets([NEW])).read(written)).toBeUndefined();
  });

  it('explicit KTOR_* keys take precedence over SESSION_SECRET and rotate as comma-separated lists', async () => {
    const explicit = ktorKeySets([OLD], env);
    expect(explicit).toEqual([{ encryptionKey: ENCRYPT_KEY, signKey: SIGN_KEY, authKey: SIGN_KEY }]);
    const newKeys = { KTOR_ENCRYPT_KEY: `${'ab'.repeat(16)},${ENCRYPT_KEY}`, KTOR_SIGN_KEY: `${'cd'.repeat(32)},${SIGN_KEY}` };
    const t = ktorLayered(ktorKeySets([], newKeys));
    expect(await t.read(`${KTOR_ENCRYPTED}/${hmacHex(SIGN_KEY, KTOR_ENCRYPTED)}`)).toBe(PLAIN);
    const auth = ktorKeySets([], { ...env, KTOR_AUTH_KEY: 'ee'.repeat(32) });
    expect(auth[0]?.authKey).toBe('ee'.repeat(32));
  });

  it('half-configured or mismatched KTOR_* lists are a configuration error', () => {
    expect(() => ktorKeySets([OLD], { KTOR_ENCRYPT_KEY: ENCRYPT_KEY })).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
    expect(() => ktorKeySets([OLD], { KTOR_SIGN_KEY: SIGN_KEY })).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
    expect(() => ktorKeySets([OLD], { ...env, KTOR_SIGN_KEY: `${SIGN_KEY},${SIGN_KEY}` })).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }),
    );
  });

  it('key sets derived from different secrets differ, and the derivation is stable', () => {
    expect(deriveKtorKeys(OLD)).toEqual(deriveKtorKeys(OLD));
    expect(deriveKtorKeys(OLD).authKey).not.toBe(deriveKtorKeys(NEW).authKey);
    expect(deriveKtorKeys(OLD).authKey).not.toBe(deriveKtorKeys(OLD).signKey);
  });
});
