import { timingSafeEqual } from '../internal/crypto.ts';
import { SessionConfigError } from '../errors.ts';
import { assertWellFormedText, fromHex, fromUtf8, toHex, utf8 } from '../internal/encoding.ts';
import { requireNodeCrypto } from '../internal/platform.ts';
import type { SessionTransformer } from '../types.ts';
import { ktorKeyBytes } from './ktor-key.ts';

export interface KtorEncryptedOptions {
  /** AES key of 16, 24 or 32 bytes (AES-128/192/256): bytes or a hex string. */
  encryptionKey: Uint8Array | string;
  /** HMAC-SHA256 key (Ktor recommends 32 bytes): bytes or a hex string. Must not be empty. */
  signKey: Uint8Array | string;
  /**
   * Also accept values written before Ktor 3.0, whose MAC covers the plaintext
   * instead of the ciphertext. Writes always use the current form. Such values
   * must be decrypted before they can be authenticated, so turn this on only
   * while migrating old cookies.
   */
  backwardCompatibleRead?: boolean;
}

/** AES block size, hence the CBC IV size, whatever the key length. */
const BLOCK_BYTES = 16;

/**
 * `hex(iv)/hex(ciphertext):hex(mac)`, lowercase only (Ktor writes lowercase):
 * a 16-byte IV, a non-empty whole number of AES blocks, a 32-byte HMAC-SHA256.
 */
const WIRE_FORMAT = /^([0-9a-f]{32})\/((?:[0-9a-f]{32})+):([0-9a-f]{64})$/;

const AES_BY_KEY_LENGTH: Readonly<Record<number, string>> = {
  16: 'aes-128-cbc',
  24: 'aes-192-cbc',
  32: 'aes-256-cbc',
};

/**
 * Ktor's `SessionTransportTransformerEncrypt` with its defaults (AES/CBC/PKCS5Padding,
 * HmacSHA256, random 16-byte IV), so a Ktor service and this app can read each
 * other's session values.
 *
 * Wire format: `hex(iv) + "/" + hex(ciphertext) + ":" + hex(HMAC-SHA256(signKey, ciphertext))`.
 *
 * Reading parses strictly (lowercase hex only), checks the MAC in constant time
 * BEFORE decrypting, and returns `undefined` for every failure alike (bad hex,
 * bad MAC, bad padding, invalid UTF-8), so there is no padding oracle.
 *
 * Caveat inherited from the format: Ktor's MAC does not cover the IV, and in CBC
 * the IV is XORed into the first 16 plaintext bytes. Someone who knows those
 * bytes of a valid value can change them at will. Keep nothing an attacker
 * would want to rewrite in the first 16 bytes of the serialized session, or
 * stack `ktorSigned` on top (on both sides) to authenticate the whole value.
 *
 * Needs a Node.js runtime; elsewhere construction throws `SessionConfigError`.
 *
 * @example
 * // Kotlin: transform(SessionTransportTransformerEncrypt(hex("..."), hex("...")))
 * const t = ktorEncrypted({
 *   encryptionKey: process.env.KTOR_ENCRYPT_KEY!, // 32 hex digits = AES-128
 *   signKey: process.env.KTOR_SIGN_KEY!,
 * });
 * t.read(t.write('{"userId":"id2","cart":[]}')); // '{"userId":"id2","cart":[]}'
 */
export function ktorEncrypted(options: KtorEncryptedOptions): SessionTransformer {
  const crypto = requireNodeCrypto('ktorEncrypted');
  const encryptionKeyBytes = ktorKeyBytes(options.encryptionKey, 'ktorEncrypted: encryptionKey');
  const algorithm = AES_BY_KEY_LENGTH[encryptionKeyBytes.length];
  if (algorithm === undefined) {
    throw new SessionConfigError(
      `ktorEncrypted: encryptionKey must be 16, 24 or 32 bytes (AES-128/192/256), got ${encryptionKeyBytes.length}.`,
    );
  }
  const encryptionKey = crypto.createSecretKey(encryptionKeyBytes);
  const signKey = crypto.createSecretKey(ktorKeyBytes(options.signKey, 'ktorEncrypted: signKey'));
  const backwardCompatibleRead = options.backwardCompatibleRead === true;
  const mac = (bytes: Uint8Array): Uint8Array => crypto.createHmac('sha256', signKey).update(bytes).digest();

  /** CBC decryption; PKCS#7 padding removed and checked by Node unless `raw`. */
  const decrypt = (iv: Uint8Array, ciphertext: Uint8Array, raw: boolean): Uint8Array => {
    const decipher = crypto.createDecipheriv(algorithm, encryptionKey, iv);
    decipher.setAutoPadding(!raw);
    return concat(decipher.update(ciphertext), decipher.final());
  };

  /** The authenticated (current) form: the MAC already matched the ciphertext. */
  const openCurrent = (iv: Uint8Array, ciphertext: Uint8Array): string | undefined => {
    try {
      return fromUtf8(decrypt(iv, ciphertext, false));
    } catch {
      // Bad padding under a valid MAC: only a key holder could have written it.
      return undefined;
    }
  };

  /**
   * The pre-3.0 form, MAC over the plaintext: we must decrypt unauthenticated
   * data. Padding is checked by hand and the MAC is computed whatever the padding
   * looks like, so bad padding and bad MAC take the same path to `undefined`.
   */
  const openLegacy = (iv: Uint8Array, ciphertext: Uint8Array, given: Uint8Array): string | undefined => {
    const padded = decrypt(iv, ciphertext, true);
    const pad = padded[padded.length - 1] ?? 0;
    let badPadding = Number(pad === 0 || pad > BLOCK_BYTES);
    for (let i = 1; i <= BLOCK_BYTES; i++) {
      // Every byte of the last block is visited; only those inside the padding count.
      const inPadding = Number(i <= pad);
      badPadding |= inPadding & Number(padded[padded.length - i] !== pad);
    }
    const plaintext = padded.subarray(0, badPadding ? padded.length : padded.length - pad);
    const macOk = timingSafeEqual(mac(plaintext), given);
    if (badPadding || !macOk) return undefined;
    return fromUtf8(plaintext);
  };

  return {
    async write(value: string): Promise<string> {
      assertWellFormedText(value, 'ktorEncrypted');
      const iv = crypto.randomBytes(BLOCK_BYTES);
      const cipher = crypto.createCipheriv(algorithm, encryptionKey, iv);
      const ciphertext = concat(cipher.update(utf8(value)), cipher.final());
      return `${toHex(iv)}/${toHex(ciphertext)}:${toHex(mac(ciphertext))}`;
    },

    async read(transported: string): Promise<string | undefined> {
      const parts = WIRE_FORMAT.exec(transported);
      if (!parts) return undefined;
      // The regex guarantees well-formed lowercase hex of the right lengths.
      const iv = fromHex(parts[1] ?? '');
      const ciphertext = fromHex(parts[2] ?? '');
      const given = fromHex(parts[3] ?? '');
      if (!iv || !ciphertext || !given) return undefined;

      if (timingSafeEqual(mac(ciphertext), given)) return openCurrent(iv, ciphertext);
      return backwardCompatibleRead ? openLegacy(iv, ciphertext, given) : undefined;
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
