/**
 * `cookie<T>(options)`: the session travels in a cookie named after the
 * session (or `cookie.name`).
 *
 * @example
 * defineSessions({
 *   user_session: cookie<User>({ transform: encrypted({ secret }), cookie: { maxAge: 3600, sameSite: 'strict' } }),
 * });
 */
import { serialize } from 'cookie';
import type { AnySessionDefinition, SessionBehaviour, SessionDefinition } from '../definition.ts';
import { SessionConfigError, SessionTooLargeError } from '../errors.ts';
import { isProduction } from '../internal/runtime.ts';
import { MAX_WIRE_BYTES, type Outgoing, type RequestSource, type SessionTransport, TOKEN } from './transport.ts';
import { encodeCookieValue } from './wire-encoding.ts';

export type SameSite = 'lax' | 'strict' | 'none';

export interface CookieAttributes {
  /** Seconds; default 7 days; `null` for a browser-session cookie. Clamped to 400 days. */
  maxAge?: number | null;
  /** Default `/`. */
  path?: string;
  domain?: string;
  /** Default: true in production, false in development (forced on by `__Host-`, `__Secure-`, `SameSite=None`). */
  secure?: boolean;
  /** Default true. */
  httpOnly?: boolean;
  /** Default `lax`. */
  sameSite?: SameSite;
  partitioned?: boolean;
  /** Cookie name on the wire when it differs from the session name, e.g. `__Host-user`. */
  name?: string;
}

export interface CookieSessionOptions<T> extends SessionBehaviour<T> {
  cookie?: CookieAttributes;
  /**
   * Accept state-changing requests from other sites that carry this cookie.
   * Off by default: such requests are refused with 403 before the handler runs.
   */
  allowCrossSite?: boolean;
}

export interface CookieSessionDefinition<T> extends SessionDefinition<T> {
  readonly transport: 'cookie';
  readonly options: CookieSessionOptions<T>;
}

export const DEFAULT_MAX_AGE = 7 * 24 * 3600;
/** Browsers cap cookie lifetimes at 400 days (RFC 6265bis). */
export const MAX_COOKIE_AGE = 400 * 24 * 3600;

export function cookie<T>(options: CookieSessionOptions<T> = {}): CookieSessionDefinition<T> {
  const attributes = options.cookie ?? {};
  const { maxAge, sameSite, path, domain } = attributes;
  if (maxAge !== undefined && maxAge !== null && !(Number.isInteger(maxAge) && maxAge > 0)) {
    throw new SessionConfigError(`cookie.maxAge must be a positive whole number of seconds or null, not ${maxAge}.`);
  }
  if (sameSite !== undefined && !['lax', 'strict', 'none'].includes(sameSite)) {
    throw new SessionConfigError(`cookie.sameSite must be 'lax', 'strict' or 'none', not ${String(sameSite)}.`);
  }
  if (path !== undefined && (!path.startsWith('/') || /[;\s]/.test(path))) {
    throw new SessionConfigError(`cookie.path must start with "/" and hold no ";" or spaces: ${JSON.stringify(path)}.`);
  }
  if (domain !== undefined && !/^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(domain)) {
    throw new SessionConfigError(`cookie.domain is not a valid domain: ${JSON.stringify(domain)}.`);
  }
  return { transport: 'cookie', options };
}

export function isCookieDefinition(d: AnySessionDefinition): d is CookieSessionDefinition<unknown> {
  return d.transport === 'cookie';
}

/** Resolved attributes, checked against the cookie prefix rules. */
export interface ResolvedCookie {
  name: string;
  maxAge: number | null;
  path: string;
  domain?: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: SameSite;
  partitioned: boolean;
}

export function resolveCookie(sessionName: string, attributes: CookieAttributes = {}): ResolvedCookie {
  const name = attributes.name ?? sessionName;
  if (!TOKEN.test(name)) {
    throw new SessionConfigError(
      `Session cookie name ${JSON.stringify(name)} is not a valid cookie name: use letters, digits and !#$%&'*+-.^_\`|~ only (no spaces, ";" or "=").`,
    );
  }
  const hostPrefix = name.startsWith('__Host-');
  const securePrefix = hostPrefix || name.startsWith('__Secure-');
  const sameSite = attributes.sameSite ?? 'lax';
  const needsSecure = securePrefix || sameSite === 'none' || attributes.partitioned === true;
  if (needsSecure && attributes.secure === false) {
    const why = securePrefix ? `the ${hostPrefix ? '__Host-' : '__Secure-'} prefix` : sameSite === 'none' ? 'SameSite=None' : 'Partitioned';
    throw new SessionConfigError(`Cookie "${name}": ${why} requires Secure; remove secure: false.`);
  }
  const path = attributes.path ?? '/';
  if (hostPrefix && (attributes.domain !== undefined || path !== '/')) {
    throw new SessionConfigError(`Cookie "${name}": the __Host- prefix forbids a domain and requires path "/".`);
  }
  const maxAge = attributes.maxAge === undefined ? DEFAULT_MAX_AGE : attributes.maxAge;
  return {
    name,
    maxAge: maxAge === null ? null : Math.min(maxAge, MAX_COOKIE_AGE),
    path,
    domain: attributes.domain,
    secure: attributes.secure ?? (needsSecure || isProduction()),
    httpOnly: attributes.httpOnly ?? true,
    sameSite,
    partitioned: attributes.partitioned ?? false,
  };
}

export class CookieTransport implements SessionTransport {
  readonly kind = 'cookie';
  readonly wireName: string;

  /** Attributes of a live cookie with the configured Max-Age: the same on every response, so built once. */
  private readonly liveSuffix: string;

  constructor(readonly attributes: ResolvedCookie) {
    this.wireName = attributes.name;
    this.liveSuffix = this.serializeWith('', attributes.maxAge).slice(attributes.name.length + 1);
  }

  /** The source has already decoded the cookie value once (`cookie.parse`, Next's cookie store). */
  receive(source: RequestSource): string | undefined {
    const value = source.cookie(this.wireName);
    return value === undefined || value === '' ? undefined : value;
  }

  assertFits(sessionName: string, value: string): void {
    const size = this.wireName.length + 1 + this.encode(value).length;
    if (size > MAX_WIRE_BYTES) throw new SessionTooLargeError(sessionName, size, MAX_WIRE_BYTES);
  }

  apply(outgoing: Outgoing, headers: Headers): void {
    headers.append('Set-Cookie', this.setCookie(outgoing));
  }

  setCookie(outgoing: Outgoing): string {
    if (outgoing.kind === 'clear') return this.serializeWith('', 0);
    if (outgoing.maxAge === this.attributes.maxAge) return `${this.wireName}=${this.encode(outgoing.value)}${this.liveSuffix}`;
    return this.serializeWith(outgoing.value, outgoing.maxAge);
  }

  /** `set` checks the size and the response then sends the same value: encode it once. */
  private lastRaw: string | undefined;
  private lastEncoded = '';
  private encode(value: string): string {
    if (value !== this.lastRaw) {
      this.lastEncoded = encodeCookieValue(value);
      this.lastRaw = value;
    }
    return this.lastEncoded;
  }

  private serializeWith(value: string, maxAge: number | null): string {
    return serialize(this.attributes.name, value, { encode: encodeCookieValue, ...this.options(maxAge) });
  }

  /** The Set-Cookie attributes for a cookie living `maxAge` seconds (0 clears; null: browser session). */
  options(maxAge: number | null) {
    const a = this.attributes;
    return {
      maxAge: maxAge ?? undefined,
      // Old clients ignore Max-Age=0 without an Expires in the past.
      expires: maxAge === 0 ? new Date(0) : undefined,
      path: a.path,
      domain: a.domain,
      secure: a.secure,
      httpOnly: a.httpOnly,
      sameSite: a.sameSite,
      partitioned: a.partitioned,
    };
  }
}
