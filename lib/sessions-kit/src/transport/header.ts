/**
 * `header<T>(options)`: the session travels in a request/response header,
 * for API clients. The server signals "forget it" with the header present
 * and empty; `createSessionFetch` from `sessions-kit/client` follows that.
 *
 * @example
 * defineSessions({
 *   cart_session: header<Cart>({ name: 'X-Cart-Session', storage: memoryStorage(), transform: signed({ secret }) }),
 * });
 */
import { checkSeconds } from '../checks.ts';
import type { SessionBehaviour, SessionDefinition } from '../types.ts';
import { DEFAULT_MAX_AGE } from './cookie.ts';
import { checkWireName } from './wire.ts';

export interface HeaderSessionOptions<T> extends SessionBehaviour<T> {
  /** Header name; defaults to the session name. */
  name?: string;
  /** Lifetime in seconds, enforced on the server; default 7 days; `null`: no lifetime. */
  maxAge?: number | null;
}

export interface HeaderSessionDefinition<T> extends SessionDefinition<T> {
  readonly transport: 'header';
  readonly options: HeaderSessionOptions<T>;
}

export function header<T>(options: HeaderSessionOptions<T> = {}): HeaderSessionDefinition<T> {
  checkSeconds('header maxAge', options.maxAge, true);
  return { transport: 'header', options };
}

/** The header's name on the wire and the lifetime it gives its session. */
export function resolveHeader(sessionName: string, options: HeaderSessionOptions<unknown> = {}): { name: string; maxAge: number | null } {
  const name = options.name ?? sessionName;
  checkWireName('Session header name', name);
  return { name, maxAge: options.maxAge === undefined ? DEFAULT_MAX_AGE : options.maxAge };
}
