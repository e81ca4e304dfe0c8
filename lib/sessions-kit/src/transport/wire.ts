/**
 * Sessions on the wire, strings in and strings out: the one reader of the `Cookie` request
 * header, the one writer of `Set-Cookie` lines, how values are spelled in cookies and headers,
 * and the size bound both share.
 *
 * Cookie values are percent-encoded except `A-Za-z0-9-._~` (Ktor's default `URI_ENCODING`), so
 * our own formats (base64url and dots) pass unchanged; they are percent-decoded once on read,
 * as `cookie.parse` and Next's store do (`%2541` reads as `%41`). Header values encode only what
 * a header cannot carry (controls, non-ASCII) and `%` itself, so Ktor's `id/mac` passes unchanged.
 *
 * Duplicate cookie names are ambiguous: a sibling subdomain can plant a cookie of the same name
 * (cookie tossing), and browsers send the more specific path first, so neither "first wins" nor
 * "last wins" is safe. The request I/O reads such a session as absent and refuses writes to it.
 */
import { SessionConfigError, SessionTooLargeError } from '../errors.ts';

export type SameSite = 'lax' | 'strict' | 'none';

/** The Set-Cookie attributes of one cookie write (`formatSetCookie` and Next's cookie store take these). */
export interface CookieWriteOptions {
  /** Seconds; 0 deletes the cookie; undefined: a browser-session cookie. */
  maxAge?: number;
  expires?: Date;
  path: string;
  domain?: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: SameSite;
  partitioned: boolean;
}

/** Browsers and servers reject larger cookies; session headers keep to the same bound. */
export const MAX_WIRE_BYTES = 4096;

/** RFC 9110 token: valid cookie and header names. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Throws a {@link SessionConfigError} unless `name` can be a cookie or header name. */
export function checkWireName(what: string, name: string): void {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new SessionConfigError(
      `${what} ${JSON.stringify(name)} is not a valid name: use letters, digits and !#$%&'*+-.^_\`|~ only (no spaces, ";" or "=").`,
    );
  }
}

/** Every cookie in a `Cookie` header: name → the values sent under it, in order. */
export function parseCookieHeader(header: string): Map<string, string[]> {
  const jar = new Map<string, string[]>();
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim();
    if (!name) continue;
    const value = decodeWireValue(pair.slice(eq + 1).trim());
    const values = jar.get(name);
    if (values) values.push(value);
    else jar.set(name, [value]);
  }
  return jar;
}

/** The one value sent under a name, or undefined when there is none or several that differ. */
export function singleValue(values: readonly string[] | undefined): string | undefined {
  if (!values) return undefined;
  const [first] = values;
  // The same value twice gives an attacker nothing; different ones are ambiguous.
  return values.every((v) => v === first) ? first : undefined;
}

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' } as const;

/**
 * A `Set-Cookie` line. Names and attributes were checked when the session was defined and the
 * value is encoded here, so nothing is re-checked per response. Formatted by hand because
 * `cookie.serialize` re-validates the value with a slow regex: in a CPU profile of one encrypted
 * 1 KB round trip, the line costs 1.4% this way, 6.4% through `serialize`.
 */
export function formatSetCookie(name: string, value: string, o: CookieWriteOptions): string {
  let line = `${name}=${encodeCookieValue(value)}`;
  if (o.maxAge !== undefined) line += `; Max-Age=${o.maxAge}`;
  if (o.domain) line += `; Domain=${o.domain}`;
  line += `; Path=${o.path}`;
  if (o.expires) line += `; Expires=${o.expires.toUTCString()}`;
  if (o.httpOnly) line += '; HttpOnly';
  if (o.secure) line += '; Secure';
  if (o.partitioned) line += '; Partitioned';
  return `${line}; SameSite=${SAME_SITE[o.sameSite]}`;
}

/** Throws `SessionTooLargeError` when `value` cannot travel as cookie or header `name` (name, separator, encoded value). */
export function assertFitsWire(sessionName: string, kind: 'cookie' | 'header', name: string, value: string): void {
  const size = name.length + (kind === 'cookie' ? 1 + encodeCookieValue(value).length : 2 + encodeHeaderValue(value).length);
  if (size > MAX_WIRE_BYTES) throw new SessionTooLargeError(sessionName, size, MAX_WIRE_BYTES);
}

const UNRESERVED_ONLY = /^[A-Za-z0-9._~-]*$/;

/**
 * The size check and then the Set-Cookie line encode the same value back to back; the last answer
 * is kept, so a value is scanned once (micro-benchmark: the scan costs 2.3 µs on a 4 KB value).
 */
let lastValue = '';
let lastEncoded = '';

export function encodeCookieValue(value: string): string {
  if (value === lastValue) return lastEncoded;
  const encoded = UNRESERVED_ONLY.test(value)
    ? value
    : encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  lastValue = value;
  lastEncoded = encoded;
  return encoded;
}

/**
 * For a value made only of base64url segments and dots (our JOSE formats, by construction):
 * the encoder's answer is known without the scan, which is 0.8 µs on a 1 KB value and 2.2 µs on
 * 2.9 KB (micro-benchmark; bench, two codec runs each: encrypted 1 KB 0.85–0.86 → 0.88 of raw
 * AES-GCM, signed 2.9 KB 0.81–0.84 → 0.84–0.85 of raw HMAC). Returns the value.
 */
export function base64urlWireValue(value: string): string {
  lastValue = value;
  lastEncoded = value;
  return value;
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
