/** Key configuration shared by the Ktor formats: bytes, or hex as Ktor's `hex("...")` takes it. */
import { SessionConfigError } from '../errors.ts';
import { fromHex } from '../internal/encoding.ts';

/**
 * A copy of the key's bytes. Hex may be either case (it is configuration, not wire data).
 * Empty or malformed keys throw {@link SessionConfigError}.
 *
 * @example
 * ktorKeyBytes(process.env.KTOR_SIGN_KEY!, 'ktorSigned: key');
 */
export function ktorKeyBytes(key: Uint8Array | string, label: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (typeof key === 'string') {
    bytes = fromHex(key, true);
    if (!bytes) throw new SessionConfigError(`${label} must be bytes or an even-length hex string (Ktor's hex("...")).`);
  } else if (key instanceof Uint8Array) {
    // Copy: a caller mutating its buffer later must not change our key.
    bytes = Uint8Array.from(key);
  } else {
    throw new SessionConfigError(`${label} must be a Uint8Array or a hex string.`);
  }
  if (bytes.length === 0) throw new SessionConfigError(`${label} is empty.`);
  return bytes;
}
