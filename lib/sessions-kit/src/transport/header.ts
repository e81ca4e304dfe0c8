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
import type { SessionBehaviour, SessionDefinition } from '../definition.ts';
import { SessionConfigError, SessionTooLargeError } from '../errors.ts';
import { DEFAULT_MAX_AGE } from './cookie.ts';
import { MAX_WIRE_BYTES, type Outgoing, type RequestSource, type SessionTransport, TOKEN } from './transport.ts';
import { decodeWireValue, encodeHeaderValue } from './wire-encoding.ts';

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
  const { maxAge } = options;
  if (maxAge !== undefined && maxAge !== null && !(Number.isInteger(maxAge) && maxAge > 0)) {
    throw new SessionConfigError(`header maxAge must be a positive whole number of seconds or null, not ${maxAge}.`);
  }
  return { transport: 'header', options };
}

export function headerMaxAge(options: HeaderSessionOptions<unknown>): number | null {
  return options.maxAge === undefined ? DEFAULT_MAX_AGE : options.maxAge;
}

export class HeaderTransport implements SessionTransport {
  readonly kind = 'header';

  constructor(readonly wireName: string) {
    if (!TOKEN.test(wireName)) {
      throw new SessionConfigError(`Session header name ${JSON.stringify(wireName)} is not a valid HTTP header name.`);
    }
  }

  receive(source: RequestSource): string | undefined {
    const raw = source.header(this.wireName);
    return raw === undefined || raw === '' ? undefined : decodeWireValue(raw);
  }

  assertFits(sessionName: string, value: string): void {
    const size = this.wireName.length + 2 + encodeHeaderValue(value).length;
    if (size > MAX_WIRE_BYTES) throw new SessionTooLargeError(sessionName, size, MAX_WIRE_BYTES);
  }

  apply(outgoing: Outgoing, headers: Headers): void {
    // An empty header is the clear signal.
    headers.set(this.wireName, outgoing.kind === 'clear' ? '' : encodeHeaderValue(outgoing.value));
    appendToken(headers, 'Access-Control-Expose-Headers', this.wireName);
  }
}

function appendToken(headers: Headers, name: string, token: string): void {
  const current = headers.get(name);
  if (!current) headers.set(name, token);
  else if (!current.toLowerCase().split(/\s*,\s*/).includes(token.toLowerCase())) headers.set(name, `${current}, ${token}`);
}
