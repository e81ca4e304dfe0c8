import { timingSafeEqual } from '../internal/crypto.ts';
import { fromHex, isWellFormedText, assertWellFormedText, toHex, utf8 } from '../internal/encoding.ts';
import { requireNodeCrypto } from '../internal/platform.ts';
import type { SessionTransformer } from '../types.ts';
import { ktorKeyBytes } from './ktor-key.ts';

export interface KtorSignedOptions {
  /** The HMAC key: bytes, or a hex string (what Ktor's `hex("...")` takes). Must not be empty. */
  key: Uint8Array | string;
}

/** Hex length of an HMAC-SHA256 tag. */
const MAC_HEX_LENGTH = 64;

/**
 * Ktor's `SessionTransportTransformerMessageAuthentication` with its default
 * `HmacSHA256`: the value travels in clear, followed by a signature.
 *
 * Wire format: `value + "/" + hex(HMAC-SHA256(key, UTF-8 value))`.
 *
 * Reading splits at the LAST `/` (the value itself may contain slashes) and
 * compares in constant time. The signature must be exactly 64 lowercase hex
 * digits, as Ktor writes it; uppercase is rejected (Ktor compares the hex text,
 * so it rejects it too). Anything malformed or tampered reads as `undefined`.
 *
 * Needs a Node.js runtime; elsewhere construction throws `SessionConfigError`.
 *
 * @example
 * // Kotlin: transform(SessionTransportTransformerMessageAuthentication(hex("...")))
 * const t = ktorSigned({ key: process.env.KTOR_SIGN_KEY! });
 * const wire = t.write('{"userId":"id2"}'); // '{"userId":"id2"}/' + 64 hex digits
 * t.read(wire); // '{"userId":"id2"}'
 */
export function ktorSigned(options: KtorSignedOptions): SessionTransformer {
  const crypto = requireNodeCrypto('ktorSigned');
  const key = crypto.createSecretKey(ktorKeyBytes(options.key, 'ktorSigned: key'));
  const mac = (value: string): Uint8Array => crypto.createHmac('sha256', key).update(utf8(value)).digest();

  return {
    async write(value: string): Promise<string> {
      assertWellFormedText(value, 'ktorSigned');
      return `${value}/${toHex(mac(value))}`;
    },

    async read(transported: string): Promise<string | undefined> {
      const slash = transported.lastIndexOf('/');
      if (slash < 0 || transported.length - slash - 1 !== MAC_HEX_LENGTH) return undefined;
      const given = fromHex(transported.slice(slash + 1));
      const value = transported.slice(0, slash);
      // A lone surrogate would be signed as U+FFFD: the string we return would differ from the one signed.
      if (!given || !isWellFormedText(value)) return undefined;
      return timingSafeEqual(mac(value), given) ? value : undefined;
    },
  };
}
