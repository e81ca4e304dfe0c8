/**
 * `encrypted({ secret })`: the session travels as a JWE (RFC 7516 compact serialization),
 * `alg: "dir"`, `enc: "A256GCM"`, a 96-bit random IV and a 128-bit tag. Expiry (`iat`, `exp`) and
 * the key id (`kid`) sit in the protected header, which is authenticated as AAD. The key is derived
 * as described in jose.ts, with info `"sessions-kit jwe"`; `jose.compactDecrypt` opens our values
 * with it, and we open what `jose.CompactEncrypt` makes (tests check both ways on every run).
 *
 * @example
 * const sessions = defineSessions({
 *   user_session: cookie<User>({ transform: encrypted({ secret: process.env.SESSION_SECRET }) }),
 * });
 */
import { type AesGcmKey, aesGcm } from '../internal/crypto.ts';
import { fromBase64url, fromUtf8, toBase64url, utf8ToBase64url } from '../internal/encoding.ts';
import type { SessionTransformerFactory } from '../types.ts';
import { type JoseFormat, type SecretSource, joseTransformer } from './jose.ts';

export interface EncryptedOptions {
  /**
   * At least 32 characters. An array rotates keys: the first encrypts, all decrypt. Or a function
   * returning them, called when a session is first used: `secret: () => process.env.SESSION_SECRET`
   * lets `next build` run without the secret. A missing secret is likewise checked on first use.
   */
  secret: SecretSource;
}

const JWE: JoseFormat<AesGcmKey> = {
  what: 'encrypted()',
  info: 'sessions-kit jwe',
  fixed: { alg: 'dir', enc: 'A256GCM' },
  segments: 5,
  prepare: aesGcm,
  async seal(key, header, value) {
    const headerB64 = utf8ToBase64url(header);
    const { iv, ciphertext, tag } = await key.seal(headerB64, value);
    return `${headerB64}..${toBase64url(iv)}.${toBase64url(ciphertext)}.${toBase64url(tag)}`;
  },
  async open(key, [headerB64, encryptedKey, ivB64, ciphertextB64, tagB64]) {
    const iv = fromBase64url(ivB64 as string);
    const tag = fromBase64url(tagB64 as string);
    const ciphertext = fromBase64url(ciphertextB64 as string);
    // `dir`: the encrypted-key segment must be empty.
    if (encryptedKey !== '' || iv?.length !== 12 || tag?.length !== 16 || !ciphertext) return undefined;
    const plaintext = await key.open(headerB64 as string, iv, ciphertext, tag);
    return plaintext && fromUtf8(plaintext);
  },
};

export function encrypted(options: EncryptedOptions): SessionTransformerFactory {
  return joseTransformer(JWE, options?.secret);
}
