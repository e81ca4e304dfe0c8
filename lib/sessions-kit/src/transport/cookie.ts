/**
 * `cookie<T>(options)`: the session travels in a cookie named after the
 * session (or `cookie.name`).
 *
 * @example
 * defineSessions({
 *   user_session: cookie<User>({ transform: encrypted({ secret }), cookie: { maxAge: 3600, sameSite: 'strict' } }),
 * });
 */
import { checkSeconds } from '../checks.ts';
import { SessionConfigError } from '../errors.ts';
import { isProduction } from '../internal/platform.ts';
import type { SessionBehaviour, SessionDefinition } from '../types.ts';
import { type CookieWriteOptions, type SameSite, checkWireName } from './wire.ts';

export type { SameSite } from './wire.ts';

/** Resolved attributes, checked against the cookie prefix rules. */
export interface ResolvedCookie extends Omit<CookieWriteOptions, 'maxAge' | 'expires'> {
  name: string;
  maxAge: number | null;
}

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
const MAX_COOKIE_AGE = 400 * 24 * 3600;

export function cookie<T>(options: CookieSessionOptions<T> = {}): CookieSessionDefinition<T> {
  const attributes = options.cookie ?? {};
  const { maxAge, sameSite, path, domain } = attributes;
  checkSeconds('cookie.maxAge', maxAge, true);
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

export function resolveCookie(sessionName: string, attributes: CookieAttributes = {}): ResolvedCookie {
  const name = attributes.name ?? sessionName;
  checkWireName('Session cookie name', name);
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

/** The Set-Cookie attributes for a cookie living `maxAge` seconds (0 clears; null: browser session). */
export function cookieWriteOptions(a: ResolvedCookie, maxAge: number | null): CookieWriteOptions {
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
