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
import { SessionConfigError } from '../errors.ts';
import { assertFitsWire, checkSeconds } from '../limits.ts';
import type { SessionBehaviour, SessionDefinition } from '../session-definition.ts';
import type { SessionIO } from '../session-io.ts';
import { DEFAULT_MAX_AGE } from './cookie.ts';
import { type Outgoing, type SessionTransport, TOKEN } from './transport.ts';
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
  checkSeconds('header maxAge', options.maxAge, true);
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

  receive(io: SessionIO): string | undefined {
    const raw = io.header(this.wireName);
    return raw === undefined || raw === '' ? undefined : decodeWireValue(raw);
  }

  assertFits(sessionName: string, value: string): void {
    assertFitsWire(sessionName, this.wireName.length + 2 + encodeHeaderValue(value).length);
  }

  send(io: SessionIO, outgoing: Outgoing): void {
    // An empty header is the clear signal.
    io.setHeader(this.wireName, outgoing.kind === 'clear' ? '' : encodeHeaderValue(outgoing.value));
  }
}
