/**
 * Ktor's own test vectors and independent helpers (node:crypto straight, not the code under
 * test) shared by the ktorEncrypted and ktorSigned tests.
 */
import { createCipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';

// Ktor's test vector (io.ktor.server.sessions.SessionTestJvm.testSessionEncrypted).
export const ENCRYPT_KEY = '00112233445566778899aabbccddeeff';
export const SIGN_KEY = '02030405060708090a0b0c';
/** Ktor's test fixes the IV to the encryption key's bytes. */
export const KTOR_IV = Buffer.from(ENCRYPT_KEY, 'hex');
export const KTOR_PLAINTEXT = '{"userId":"id2","cart":[]}';
export const KTOR_WIRE =
  '00112233445566778899aabbccddeeff/' +
  '9b8cf9900ff0f63849cb7a2ad71ed8a1ac9f0e2735492d2a5129cf278d70ab27:' +
  '40af9f393a00034b53d2267251047259005bdf5ff104eede599149e80e6fee13';

// Ktor's backward-compatibility vectors (testSessionEncryptedBackwardCompatible): the same
// reflection-serialized plaintext in the current form and in the pre-3.0 form (MAC over plaintext).
export const KTOR_LEGACY_PLAINTEXT = 'cart=%23cl&userId=%23sid2';
const KTOR_LEGACY_CIPHERTEXT = 'c3850fc1ddc62f71ec5eaad6d393b91fa809fe32a1cf0cb4730788c5a489daef';
export const KTOR_LEGACY_CURRENT_FORM = `${ENCRYPT_KEY}/${KTOR_LEGACY_CIPHERTEXT}:65f0bd15bfa7e96b8bd9e134e23a24860b324e361c606e6800af050f5d104b68`;
export const KTOR_LEGACY_OLD_FORM = `${ENCRYPT_KEY}/${KTOR_LEGACY_CIPHERTEXT}:51a5e9fcd1c91418f9a623bafa5022a524348e44244265dc0cab2cebacc28a5d`;

/** Ktor's own tamper helper: the last character becomes '1' if it was '0', else '0'. */
export function flipLastHexDigit(value: string): string {
  return value.slice(0, -1) + (value.endsWith('0') ? '1' : '0');
}

export function replaceAt(value: string, index: number, char: string): string {
  return value.slice(0, index) + char + value.slice(index + 1);
}

export function hmacHex(keyHex: string, data: Uint8Array | string): string {
  return createHmac('sha256', Buffer.from(keyHex, 'hex')).update(data).digest('hex');
}

/** AES-CBC with PKCS#7 padding, as Ktor encrypts. */
export function aesCbc(keyHex: string, iv: Uint8Array, plaintext: string): Buffer {
  const key = Buffer.from(keyHex, 'hex');
  const cipher = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
}

export const GARBAGE_10KB = Array.from({ length: 10_240 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 94))).join('');

/** Any UTF-16 code units, lone surrogates included: what an attacker could put in a header. */
export const anyUtf16 = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 200 })
  .map((units) => String.fromCharCode(...units));

/** Hides node:crypto from the library for the duration of `fn`, as on Edge. */
export function withoutNodeCrypto(fn: () => void): void {
  const original = Object.getOwnPropertyDescriptor(process, 'getBuiltinModule');
  Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true, writable: true });
  try {
    fn();
  } finally {
    if (original) Object.defineProperty(process, 'getBuiltinModule', original);
    else delete (process as { getBuiltinModule?: unknown }).getBuiltinModule;
  }
}
