/**
 * `encrypted({ secret })`: the session travels as a JWE (RFC 7516 compact
 * serialization), `alg: "dir"`, `enc: "A256GCM"`, a 96-bit random IV and a
 * 128-bit tag. Expiry (`iat`, `exp`) and the key id (`kid`) sit in the
 * protected header, which is authenticated as AAD.
 *
 * On Node the value is sealed and opened with node:crypto (about ten times
 * faster than Web Crypto per call); elsewhere with `jose`. Both produce the
 * same bytes, and tests check each against the other on every run.
 *
 * @example
 * const sessions = defineSessions({
 *   user_session: cookie<User>({ transform: encrypted({ secret: process.env.SESSION_SECRET }) }),
 * });
 */
import type { KeyObject } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, errors as joseErrors } from 'jose';
import { fromBase64url, fromUtf8, utf8ToBase64url } from '../internal/encoding.ts';
import { nodeCrypto } from '../internal/runtime.ts';
import type { ExpiryCarryingTransformer, OpenedValue, SessionTimes, SessionTransformerFactory } from '../types.ts';
import { MAX_PROTECTED_LENGTH, headerJson, headerPrefix, headerTimes, parseProtectedHeader } from './protected-header.ts';
import { type DerivedKey, KeyRing, type SecretInput, keyCandidates, normalizeSecrets } from './secrets.ts';

export interface EncryptedOptions {
  /** At least 32 characters. An array rotates keys: the first encrypts, all decrypt. */
  secret: SecretInput;
}

const FIXED_HEADER = { alg: 'dir', enc: 'A256GCM' } as const;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function encrypted(options: EncryptedOptions): SessionTransformerFactory {
  const secrets = normalizeSecrets(options?.secret, 'encrypted()');
  return {
    kind: 'encrypted',
    forSession: (wireName) => new JweTransformer(new KeyRing(secrets, wireName, 'sessions-kit jwe')),
  };
}

interface NodeKey extends DerivedKey {
  object: KeyObject;
  headerPrefix: string;
}

class JweTransformer implements ExpiryCarryingTransformer {
  private nodeKeys: NodeKey[] | undefined;

  constructor(private readonly ring: KeyRing) {
    const keys = ring.get();
    if (nodeCrypto && Array.isArray(keys)) {
      const { createSecretKey } = nodeCrypto;
      this.nodeKeys = keys.map((k) => ({ ...k, object: createSecretKey(k.raw), headerPrefix: headerPrefix(FIXED_HEADER, k.kid) }));
    }
  }

  write(value: string): string | Promise<string> {
    return this.writeWithTimes(value, undefined);
  }

  async read(value: string): Promise<string | undefined> {
    return (await this.readWithTimes(value))?.value;
  }

  writeWithTimes(value: string, times: SessionTimes | undefined): string | Promise<string> {
    if (this.nodeKeys) return sealNode(value, times, this.nodeKeys[0] as NodeKey);
    return this.sealJose(value, times);
  }

  readWithTimes(value: string): OpenedValue | undefined | Promise<OpenedValue | undefined> {
    if (typeof value !== 'string' || value.length > MAX_PROTECTED_LENGTH) return undefined;
    const parts = value.split('.');
    if (parts.length !== 5 || parts[1] !== '') return undefined;
    const [headerB64, , ivB64, ciphertextB64, tagB64] = parts as [string, string, string, string, string];
    const header = parseProtectedHeader(headerB64, FIXED_HEADER);
    if (!header) return undefined;
    const iv = fromBase64url(ivB64);
    const tag = fromBase64url(tagB64);
    const ciphertext = fromBase64url(ciphertextB64);
    if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !ciphertext) return undefined;

    if (this.nodeKeys) {
      const keys = this.nodeKeys;
      for (const key of keyCandidates(keys, header.kid)) {
        const plaintext = openNode(key, headerB64, iv, ciphertext, tag);
        if (plaintext !== undefined) return opened(plaintext, header.times, key !== keys[0]);
      }
      return undefined;
    }
    return this.openJose(value, header.kid, header.times);
  }

  private async sealJose(value: string, times: SessionTimes | undefined): Promise<string> {
    const [key] = await this.ring.get();
    const current = key as DerivedKey;
    const header = JSON.parse(headerJson(FIXED_HEADER, current.kid, times));
    return new CompactEncrypt(new TextEncoder().encode(value)).setProtectedHeader(header).encrypt(current.raw);
  }

  private async openJose(value: string, kid: string | undefined, times: SessionTimes): Promise<OpenedValue | undefined> {
    const keys = await this.ring.get();
    for (const key of keyCandidates(keys, kid)) {
      try {
        const { plaintext } = await compactDecrypt(value, key.raw, {
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
        });
        const text = fromUtf8(plaintext);
        return text === undefined ? undefined : opened(text, times, key !== keys[0]);
      } catch (error) {
        // Only a failed decryption means "not this key"; anything else is a bug to surface.
        if (!(error instanceof joseErrors.JOSEError)) throw error;
      }
    }
    return undefined;
  }
}

function opened(value: string, times: SessionTimes, stale: boolean): OpenedValue {
  return stale ? { value, times, stale } : { value, times };
}

function sealNode(value: string, times: SessionTimes | undefined, key: NodeKey): string {
  const crypto = nodeCrypto as NonNullable<typeof nodeCrypto>;
  const headerB64 = utf8ToBase64url(key.headerPrefix + headerTimes(times));
  const iv = takeIv();
  const cipher = crypto.createCipheriv('aes-256-gcm', key.object, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(headerB64, 'latin1'));
  const first = cipher.update(value, 'utf8');
  const last = cipher.final();
  const ciphertext = last.length === 0 ? first : Buffer.concat([first, last]);
  return `${headerB64}..${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

function openNode(key: NodeKey, headerB64: string, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): string | undefined {
  const crypto = nodeCrypto as NonNullable<typeof nodeCrypto>;
  // authTagLength pins the tag to 16 bytes: Node otherwise accepts truncated tags.
  const decipher = crypto.createDecipheriv('aes-256-gcm', key.object, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(headerB64, 'latin1'));
  decipher.setAuthTag(tag);
  const first = decipher.update(ciphertext);
  let last: Buffer;
  try {
    last = decipher.final();
  } catch {
    return undefined; // authentication failed: wrong key or tampered value
  }
  return fromUtf8(last.length === 0 ? first : Buffer.concat([first, last]));
}

// Drawing 12 random bytes per call costs more than the cipher; draw them in
// batches. Each IV is used once: the pool is refilled, never rewound.
const IV_POOL_SIZE = IV_BYTES * 256;
let ivPool: Buffer | undefined;
let ivOffset = IV_POOL_SIZE;

function takeIv(): Buffer {
  if (ivOffset >= IV_POOL_SIZE || !ivPool) {
    ivPool = (nodeCrypto as NonNullable<typeof nodeCrypto>).randomBytes(IV_POOL_SIZE);
    ivOffset = 0;
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
}
