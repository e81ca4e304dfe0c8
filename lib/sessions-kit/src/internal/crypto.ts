/**
 * The crypto the library uses, chosen once: node:crypto where the runtime has it (Node, Bun,
 * Deno), Web Crypto elsewhere (Edge, workers). Both produce the same bytes; the `*.web.test.ts`
 * suites run every format with node:crypto hidden and check it against `jose` and the Node path.
 *
 * Why node:crypto where it exists: in `npm run bench` our encrypted round trip runs ×3.33 (1 KB)
 * to ×4.10 (100 B) the same round trip through jose on Web Crypto. Micro-benchmark (2-core machine,
 * Node 20): AES-256-GCM seal+open of 1 KB costs ~21 µs with node:crypto and a pooled IV, about ten
 * times that through Web Crypto (each call is a Promise and a copy); HMAC-SHA256 and SHA-256 are
 * synchronous one-liners there, where Web Crypto costs a Promise per call.
 */
import type * as NodeCrypto from 'node:crypto';
import { type Bytes, toBase64url } from './encoding.ts';
import { nodeCrypto } from './platform.ts';

type Awaitable<T> = T | Promise<T>;

export interface AesGcmKey {
  /** Encrypts `plaintext` (UTF-8) with a fresh 96-bit IV and `aad` (latin1) as additional data. */
  seal(aad: string, plaintext: string): Awaitable<{ iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array }>;
  /** The plaintext bytes, or undefined when the tag does not verify (wrong key, tampered). Tags must be 16 bytes. */
  open(aad: string, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Awaitable<Uint8Array | undefined>;
}

interface Backend {
  sha256(data: string | Uint8Array): Awaitable<Bytes>;
  /** HKDF-SHA256, 32 bytes. */
  hkdf(secret: string, salt: string, info: string): Awaitable<Bytes>;
  /** A MAC function for one key: HMAC-SHA256 of an ASCII input, as base64url. */
  hmac(key: Bytes): Awaitable<(input: string) => Awaitable<string>>;
  aesGcm(key: Bytes): Awaitable<AesGcmKey>;
  /** Constant time for equal lengths; lengths are public (fixed-size MACs). */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}

const TAG_BYTES = 16;
const IV_BYTES = 12;

function nodeBackend(c: typeof NodeCrypto): Backend {
  /**
   * IVs come from a pooled CSPRNG buffer (micro-benchmark: one `randomBytes` call costs 5–6 µs,
   * a third of a whole seal+open: 1 KB seal+open 21 µs with the pool, 35 µs without). Each IV is used once.
   */
  let pool = Buffer.alloc(0);
  let offset = 0;
  const takeIv = () => {
    if (offset >= pool.length) [pool, offset] = [c.randomBytes(IV_BYTES * 256), 0];
    offset += IV_BYTES;
    return pool.subarray(offset - IV_BYTES, offset);
  };
  return {
    sha256: (data) => new Uint8Array(c.createHash('sha256').update(data).digest()) as Bytes,
    hkdf: (secret, salt, info) => new Uint8Array(c.hkdfSync('sha256', secret, salt, info, 32)),
    hmac(raw) {
      const key = c.createSecretKey(raw);
      return (input) => c.createHmac('sha256', key).update(input, 'latin1').digest('base64url');
    },
    aesGcm(raw) {
      const key = c.createSecretKey(raw);
      return {
        seal(aad, plaintext) {
          const iv = takeIv();
          const cipher = c.createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
          cipher.setAAD(Buffer.from(aad, 'latin1'));
          // GCM's final() adds no bytes: no concat (a copy of the whole value).
          const ciphertext = cipher.update(plaintext, 'utf8');
          cipher.final();
          return { iv, ciphertext, tag: cipher.getAuthTag() };
        },
        open(aad, iv, ciphertext, tag) {
          if (tag.length !== TAG_BYTES) return undefined;
          // authTagLength pins the tag to 16 bytes: Node otherwise accepts truncated tags.
          const decipher = c.createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
          decipher.setAAD(Buffer.from(aad, 'latin1'));
          decipher.setAuthTag(tag);
          const plaintext = decipher.update(ciphertext);
          try {
            decipher.final();
            return plaintext;
          } catch {
            return undefined;
          }
        },
      };
    },
    timingSafeEqual: (a, b) => a.length === b.length && c.timingSafeEqual(a, b),
  };
}

const subtle = () => globalThis.crypto.subtle;
const bytes = (text: string) => new TextEncoder().encode(text) as Bytes;
const latin1 = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0)) as Bytes;

const webBackend: Backend = {
  sha256: async (data) => new Uint8Array(await subtle().digest('SHA-256', typeof data === 'string' ? bytes(data) : (data as Bytes))) as Bytes,
  async hkdf(secret, salt, info) {
    const ikm = await subtle().importKey('raw', bytes(secret), 'HKDF', false, ['deriveBits']);
    const params = { name: 'HKDF', hash: 'SHA-256', salt: bytes(salt), info: bytes(info) };
    return new Uint8Array(await subtle().deriveBits(params, ikm, 256)) as Bytes;
  },
  async hmac(raw) {
    const key = await subtle().importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return async (input) => toBase64url(new Uint8Array(await subtle().sign('HMAC', key, latin1(input))));
  },
  async aesGcm(raw) {
    const key = await subtle().importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
    const params = (iv: Uint8Array, aad: string) => ({ name: 'AES-GCM', iv: iv as Bytes, additionalData: latin1(aad), tagLength: 128 });
    return {
      async seal(aad, plaintext) {
        const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
        const sealed = new Uint8Array(await subtle().encrypt(params(iv, aad), key, bytes(plaintext)));
        return { iv, ciphertext: sealed.subarray(0, -TAG_BYTES), tag: sealed.subarray(-TAG_BYTES) };
      },
      async open(aad, iv, ciphertext, tag) {
        if (tag.length !== TAG_BYTES) return undefined;
        const sealed = new Uint8Array(ciphertext.length + TAG_BYTES);
        sealed.set(ciphertext);
        sealed.set(tag, ciphertext.length);
        try {
          return new Uint8Array(await subtle().decrypt(params(iv, aad), key, sealed));
        } catch {
          return undefined;
        }
      },
    };
  },
  timingSafeEqual(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
    return diff === 0;
  },
};

export const { sha256, hkdf, hmac, aesGcm, timingSafeEqual } = nodeCrypto ? nodeBackend(nodeCrypto) : webBackend;

/**
 * {@link timingSafeEqual} for two strings of char codes (a MAC as base64url text): constant time
 * for equal lengths, and a loop rather than two encoder copies (micro-benchmark: 1 KB signed read 1.1 µs less).
 */
export function timingSafeEqualText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

