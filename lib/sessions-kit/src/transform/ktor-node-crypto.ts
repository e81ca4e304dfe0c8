/**
 * Shared plumbing for the Ktor wire formats (`ktorSigned`, `ktorEncrypted`):
 * access to `node:crypto`, key parsing, hex and strict UTF-8.
 *
 * The sessions core must bundle for runtimes without Node built-ins, so
 * `node:crypto` is never imported statically: it is looked up at construction
 * time through `process.getBuiltinModule` (Node.js >= 20.16).
 */
import type * as NodeCrypto from 'node:crypto';
import { SessionConfigError, SessionDataError } from '../errors.ts';

/** The `node:crypto` module, as returned by `process.getBuiltinModule`. */
export type NodeCryptoModule = typeof NodeCrypto;

/**
 * Returns `node:crypto`, or throws a {@link SessionConfigError} naming `format`
 * when the runtime has none (Edge, browsers, workers without Node compat).
 *
 * @example
 * const crypto = requireNodeCrypto('ktorSigned');
 */
export function requireNodeCrypto(format: string): NodeCryptoModule {
  // Optional chaining on both: `process` is absent on Edge, `getBuiltinModule` before Node 20.16.
  const crypto = globalThis.process?.getBuiltinModule?.('node:crypto');
  if (!crypto) {
    throw new SessionConfigError(
      `${format}: the Ktor session formats need a Node.js runtime (node:crypto via ` +
        'process.getBuiltinModule, Node.js >= 20.16). On Next.js, use the Node.js runtime, not Edge.',
    );
  }
  return crypto;
}

/** HMAC-SHA256 of `data` under `key`. */
export function hmacSha256(crypto: NodeCryptoModule, key: NodeCrypto.KeyObject, data: Uint8Array): Uint8Array {
  return crypto.createHmac('sha256', key).update(data).digest();
}

/** Constant-time equality; different lengths are simply unequal (timingSafeEqual would throw). */
export function constantTimeEqual(crypto: NodeCryptoModule, a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

// ---------------------------------------------------------------------------
// Hex. Ktor writes lowercase hex; on the wire we accept only lowercase, so every
// value has exactly one accepted spelling. Keys (configuration) may be any case.

const WIRE_HEX = /^(?:[0-9a-f]{2})*$/;
const KEY_HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * Lowercase hex, as Ktor's `hex()` / `toHexString()` writes it.
 *
 * @example
 * bytesToHex(new Uint8Array([0, 255])); // '00ff'
 */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

function decodeHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Parses untrusted, even-length, lowercase hex; `undefined` for anything else.
 *
 * @example
 * wireHexToBytes('00ff'); // Uint8Array [0, 255]
 * wireHexToBytes('00FF'); // undefined
 */
export function wireHexToBytes(hex: string): Uint8Array | undefined {
  return WIRE_HEX.test(hex) ? decodeHex(hex) : undefined;
}

/**
 * Turns a configured key (bytes, or a hex string of either case) into a copy of
 * its bytes. Empty or malformed keys throw {@link SessionConfigError}.
 *
 * @example
 * keyBytes(process.env.KTOR_SIGN_KEY!, 'ktorSigned: key');
 */
export function keyBytes(key: Uint8Array | string, label: string): Uint8Array {
  let bytes: Uint8Array;
  if (typeof key === 'string') {
    if (!KEY_HEX.test(key)) {
      throw new SessionConfigError(`${label} must be bytes or an even-length hex string (Ktor's hex("...")).`);
    }
    bytes = decodeHex(key);
  } else if (key instanceof Uint8Array) {
    // Copy: a caller mutating its buffer later must not change our key.
    bytes = Uint8Array.from(key);
  } else {
    throw new SessionConfigError(`${label} must be a Uint8Array or a hex string.`);
  }
  if (bytes.length === 0) throw new SessionConfigError(`${label} is empty.`);
  return bytes;
}

// ---------------------------------------------------------------------------
// UTF-8. Ktor encodes with `toByteArray(UTF_8)`.

// With the `u` flag a surrogate *pair* is one astral code point, so this matches lone halves only.
const LONE_SURROGATE = /\p{Cs}/u;
const encoder = new TextEncoder();
// fatal: bad bytes are rejected, not replaced; ignoreBOM: a leading U+FEFF is data and must survive.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** True when `value` has no lone surrogate, i.e. UTF-8 encodes it losslessly. */
export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/**
 * UTF-8 bytes of a value we are about to protect. A lone surrogate would be
 * silently replaced by U+FFFD (and read back as something else), so it throws
 * {@link SessionDataError} instead. `format` names the caller in the message.
 */
export function utf8ForWrite(value: string, format: string): Uint8Array {
  if (!isWellFormedText(value)) {
    throw new SessionDataError(`${format}: the session text contains a lone surrogate and cannot be encoded as UTF-8.`);
  }
  return encoder.encode(value);
}

/** UTF-8 bytes of text that is known to be well formed (or whose exact bytes do not matter). */
export function utf8(value: string): Uint8Array {
  return encoder.encode(value);
}

/** Strict UTF-8 decoding: `undefined` for invalid byte sequences. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}
