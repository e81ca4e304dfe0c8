/** Session ids: 32 bytes from the CSPRNG, base64url (43 characters). */
import { randomBytes, toBase64url } from '../internal/encoding.ts';

export const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSessionId(): string {
  return toBase64url(randomBytes(32));
}

/** Checked before an incoming id reaches storage. */
export function isSessionId(value: string): boolean {
  return SESSION_ID_PATTERN.test(value);
}
