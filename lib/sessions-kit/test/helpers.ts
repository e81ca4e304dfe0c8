/**
 * Helpers shared by the session tests: build requests, read Set-Cookie lines
 * the way a browser would, and derive keys independently of the code under
 * test (node:crypto only, straight from the documented derivation).
 */
import { createCipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { SessionAccessor, Sessions } from '../src/index.ts';
import type { SessionStorage } from '../src/types.ts';

export const SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export const OTHER_SECRET = 'other-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export const OLD_SECRET = 'old-secret-0123456789abcdefghijklmnopqrstuvwxyz!!';

export const ORIGIN = 'https://app.example';

export interface RequestInit2 {
  method?: string;
  /** A ready `Cookie` header, or name → raw (already encoded) value. */
  cookies?: string | Record<string, string>;
  headers?: Record<string, string>;
  path?: string;
}

export function makeRequest(init: RequestInit2 = {}): Request {
  const headers = new Headers(init.headers);
  if (init.cookies !== undefined) {
    const cookieHeader =
      typeof init.cookies === 'string'
        ? init.cookies
        : Object.entries(init.cookies)
            .map(([k, v]) => `${k}=${v}`)
            .join('; ');
    if (cookieHeader) headers.set('cookie', cookieHeader);
  }
  return new Request(`${ORIGIN}${init.path ?? '/'}`, { method: init.method ?? 'GET', headers });
}

/** One request through `forRequest`: runs `fn`, then `applyTo` on a fresh response. */
export async function exchange<D, R>(
  sessions: Sessions<D>,
  init: RequestInit2,
  fn: (session: SessionAccessor<D>) => Promise<R>,
): Promise<{ response: Response; result: R }> {
  const session = sessions.forRequest(makeRequest(init));
  const result = await fn(session);
  return { response: session.applyTo(new Response('ok')), result };
}

export interface ParsedSetCookie {
  name: string;
  /** Raw value as it appears on the wire (not decoded). */
  value: string;
  /** Lower-cased attribute name → value ('' for flags). */
  attributes: Map<string, string>;
  raw: string;
}

export function parseSetCookie(line: string): ParsedSetCookie {
  const [pair = '', ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const i = trimmed.indexOf('=');
    if (i < 0) attributes.set(trimmed.toLowerCase(), '');
    else attributes.set(trimmed.slice(0, i).trim().toLowerCase(), trimmed.slice(i + 1).trim());
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes, raw: line };
}

export function setCookies(response: Response): ParsedSetCookie[] {
  return response.headers.getSetCookie().map(parseSetCookie);
}

/** The one Set-Cookie line for `name` (fails the test when there are several). */
export function setCookieFor(response: Response, name: string): ParsedSetCookie | undefined {
  const found = setCookies(response).filter((c) => c.name === name);
  if (found.length > 1) throw new Error(`several Set-Cookie lines for ${name}`);
  return found[0];
}

/** True when a Set-Cookie line deletes the cookie (Max-Age<=0 or an Expires in the past). */
export function isClearing(c: ParsedSetCookie, now = Date.now()): boolean {
  const maxAge = c.attributes.get('max-age');
  if (maxAge !== undefined) return Number(maxAge) <= 0;
  const expires = c.attributes.get('expires');
  return expires !== undefined && Date.parse(expires) <= now;
}

/** True when the response leaves no live cookie `name`: no Set-Cookie for it, or one that deletes it. */
export function sendsNoLiveCookie(response: Response, name: string): boolean {
  const c = setCookieFor(response, name);
  return c === undefined || isClearing(c);
}

/** `name=value` of the live cookie the response sets, as a browser would send it back. */
export function cookieHeaderFrom(response: Response, name: string): string {
  const c = setCookieFor(response, name);
  if (!c || isClearing(c)) throw new Error(`response sets no live cookie ${name}`);
  return `${c.name}=${c.value}`;
}

/** Raw cookie value (as on the wire) of the live cookie `name`. */
export function wireValue(response: Response, name: string): string {
  const c = setCookieFor(response, name);
  if (!c || isClearing(c)) throw new Error(`response sets no live cookie ${name}`);
  return c.value;
}

/** The independent key derivation from the design contract. */
export function deriveKey(secret: string, wireName: string, purpose: 'jwe' | 'jws'): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, wireName, `sessions-kit ${purpose}`, 32));
}

export function kidOf(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 8);
}

export function b64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

export function fromB64url(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}

export function decodeJsonSegment(segment: string): Record<string, unknown> {
  return JSON.parse(fromB64url(segment).toString('utf8')) as Record<string, unknown>;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * A JWE sealed with A256GCM under `key` with an arbitrary protected header,
 * so hostile headers are authentic and only the header allowlist can refuse them.
 */
export function sealJwe(
  header: Record<string, unknown>,
  plaintext: string,
  key: Uint8Array,
  encryptedKey = '',
): string {
  const headerB64 = b64url(JSON.stringify(header));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(headerB64, 'latin1'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${headerB64}.${encryptedKey}.${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher
    .getAuthTag()
    .toString('base64url')}`;
}

/** Flips one bit in the decoded bytes of a base64url segment and re-encodes it canonically. */
export function flipBitInSegment(segment: string, byteIndex = 0, bit = 0): string {
  const bytes = fromB64url(segment);
  if (bytes.length === 0) return 'AA';
  const i = Math.min(byteIndex, bytes.length - 1);
  bytes[i] = (bytes[i] as number) ^ (1 << bit);
  return bytes.toString('base64url');
}

export function replaceSegment(value: string, index: number, segment: string): string {
  const parts = value.split('.');
  parts[index] = segment;
  return parts.join('.');
}

/** A session storage that fails every call, as an unreachable store would. */
export function failingStorage(): SessionStorage {
  const fail = async (): Promise<never> => {
    throw new Error('ECONNREFUSED');
  };
  return { read: fail, create: fail, compareAndSet: fail, invalidate: fail };
}

/** A custom storage over a Map, as the README shows one (TTLs ignored: the tracker checks deadlines). */
export function mapStorage(): SessionStorage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    read: async (key) => map.get(key),
    async create(key, value) {
      if (map.has(key)) return false;
      map.set(key, value);
      return true;
    },
    async compareAndSet(key, expected, next) {
      if (map.get(key) !== expected) return false;
      if (next === undefined) map.delete(key);
      else map.set(key, next);
      return true;
    },
    invalidate: async (key) => {
      map.delete(key);
    },
  };
}

export interface User {
  id: string;
  name?: string;
}

/** Writes `value` in one request and returns the `Cookie` header a browser would send back. */
export async function cookieAfterSet<D, K extends keyof D & string>(sessions: Sessions<D>, name: K, value: D[K]): Promise<string> {
  const { response } = await exchange(sessions, {}, (s) => s.set(name, value));
  return cookieHeaderFrom(response, name);
}

/** The `code` of what `fn` throws synchronously, or undefined. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}
