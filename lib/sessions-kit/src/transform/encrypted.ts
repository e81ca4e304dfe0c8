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
import { assertWellFormedText, fromBase64url, fromUtf8, utf8, utf8ToBase64url } from '../internal/encoding.ts';
import { type NodeCryptoModule, nodeCrypto } from '../internal/platform.ts';
import type { ExpiryCarryingTransformer, OpenedValue, SessionTimes, SessionTransformerFactory } from '../types.ts';
import { MAX_PROTECTED_LENGTH, headerPrefix, headerTimes, parseProtectedHeader } from './protected-header.ts';
import { type DerivedKey, type SecretSource, deriveKeys, keyCandidates, onFirstUse, secretsOnFirstUse } from './secrets.ts';

export interface EncryptedOptions {
  /** At least 32 characters. An array rotates keys: the first encrypts, all decrypt. */
  /**
   * Or a function returning them, called when a session is first used: `secret: () => process.env.SESSION_SECRET`
   * lets `next build` run without the secret. A missing secret is likewise checked on first use.
   */
  secret: SecretSource;
}

const FIXED_HEADER = { alg: 'dir', enc: 'A256GCM' } as const;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function encrypted(options: EncryptedOptions): SessionTransformerFactory {
  const secrets = secretsOnFirstUse(options?.secret, 'encrypted()');
  return { forSession: (wireName) => jweTransformer(() => deriveKeys(secrets(), wireName, 'sessions-kit jwe')) };
}

interface JweKey extends DerivedKey {
  /** `{"alg":"dir","enc":"A256GCM","kid":"…"` without the closing brace. */
  prefix: string;
  node?: KeyObject;
}

function jweTransformer(derive: () => Promise<DerivedKey[]>): ExpiryCarryingTransformer {
  const keys = onFirstUse<JweKey[]>(async () =>
    (await derive()).map((k) => ({ ...k, prefix: headerPrefix(FIXED_HEADER, k.kid), node: nodeCrypto?.createSecretKey(k.raw) })),
  );

  async function writeWithTimes(value: string, times: SessionTimes | undefined): Promise<string> {
    assertWellFormedText(value, 'encrypted()');
    const [key] = (await keys()) as [JweKey];
    const header = key.prefix + headerTimes(times);
    if (nodeCrypto && key.node) return sealNode(nodeCrypto, key.node, header, value);
    return new CompactEncrypt(utf8(value)).setProtectedHeader(JSON.parse(header)).encrypt(key.raw);
  }

  async function readWithTimes(value: string): Promise<OpenedValue | undefined> {
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

    const all = await keys();
    for (const key of keyCandidates(all, header.kid)) {
      const text =
        nodeCrypto && key.node
          ? openNode(nodeCrypto, key.node, headerB64, iv, ciphertext, tag)
          : await openJose(value, key.raw);
      if (text !== undefined) {
        return key === all[0] ? { value: text, times: header.times } : { value: text, times: header.times, stale: true };
      }
    }
    return undefined;
  }

  return {
    writeWithTimes,
    readWithTimes,
    write: (value) => writeWithTimes(value, undefined),
    read: async (value) => (await readWithTimes(value))?.value,
  };
}

function sealNode(crypto: NodeCryptoModule, key: KeyObject, header: string, value: string): string {
  const headerB64 = utf8ToBase64url(header);
  const iv = takeIv(crypto);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(headerB64, 'latin1'));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return `${headerB64}..${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

function openNode(
  crypto: NodeCryptoModule,
  key: KeyObject,
  headerB64: string,
  iv: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
): string | undefined {
  // authTagLength pins the tag to 16 bytes: Node otherwise accepts truncated tags.
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(headerB64, 'latin1'));
  decipher.setAuthTag(tag);
  const first = decipher.update(ciphertext);
  try {
    return fromUtf8(Buffer.concat([first, decipher.final()]));
  } catch {
    return undefined; // authentication failed: wrong key or tampered value
  }
}

async function openJose(value: string, key: Uint8Array): Promise<string | undefined> {
  try {
    const { plaintext } = await compactDecrypt(value, key, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    return fromUtf8(plaintext);
  } catch (error) {
    // Only a failed decryption means "not this key"; anything else is a bug to surface.
    if (error instanceof joseErrors.JOSEError) return undefined;
    throw error;
  }
}

/**
 * IVs come from a pooled CSPRNG buffer: one `randomBytes` call costs about 6 µs, a third of a
 * whole seal+open. Measured (1 KB, CPU time, shared 2-core machine): seal+open 21 µs with the
 * pool, 35 µs without; codec ratio vs raw AES-GCM 0.90-1.10 with, 0.55-0.68 without (a second,
 * busier run: 0.59-0.70 with, 0.52-0.77 without). Each IV is used once: refilled, never rewound.
 */
const IV_POOL_BYTES = IV_BYTES * 256;
let ivPool: Buffer | undefined;
let ivOffset = IV_POOL_BYTES;

function takeIv(crypto: NodeCryptoModule): Buffer {
  if (!ivPool || ivOffset >= IV_POOL_BYTES) {
    ivPool = crypto.randomBytes(IV_POOL_BYTES);
    ivOffset = 0;
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
}
