/**
 * How values are spelled on the wire.
 *
 * Cookies: percent-encoding of everything but `A-Za-z0-9-._~`, the same as
 * Ktor's default `URI_ENCODING`, so `/` travels as `%2F` and `:` as `%3A`.
 * Our own formats (base64url and dots) pass unchanged.
 *
 * Headers: only what a header cannot carry (controls, non-ASCII) and `%`
 * itself are encoded, so Ktor's `id/mac` header values pass unchanged.
 */
const NOT_UNRESERVED = /[!'()*]/g;

const UNRESERVED_ONLY = /^[A-Za-z0-9._~-]*$/;

export function encodeCookieValue(value: string): string {
  // Our own formats are base64url and dots: nothing to encode.
  if (UNRESERVED_ONLY.test(value)) return value;
  return encodeURIComponent(value).replace(NOT_UNRESERVED, percentEncodeChar);
}

export function encodeHeaderValue(value: string): string {
  return /^[\x20-\x24\x26-\x7e]*$/.test(value) ? value : value.replace(/[^\x20-\x24\x26-\x7e]+/gu, encodeURIComponent);
}

/** Never throws: a malformed escape leaves the value as it came (it will then fail verification). */
export function decodeWireValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function percentEncodeChar(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
}
