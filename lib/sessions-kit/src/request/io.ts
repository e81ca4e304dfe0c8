/**
 * A request's session I/O: what the client sent, and the one way answers leave. The base holds
 * every rule that does not depend on the kind of request (reading the Cookie header once,
 * duplicate names, the cross-site refusal, which wire a session uses); `WebIO` (a Web
 * `Request`/`Response`) and `NextIO` (Next's `cookies()`/`headers()`) only say how the method and
 * URL are known and where Set-Cookie and session headers go.
 */
import type { CompiledSession } from '../compile.ts';
import { SessionConflictError, SessionCrossSiteError } from '../errors.ts';
import { cookieWriteOptions } from '../transport/cookie.ts';
import { type CookieWriteOptions, decodeWireValue, encodeHeaderValue, parseCookieHeader, singleValue } from '../transport/wire.ts';
import { type HeaderReader, isCrossSite } from './cross-site.ts';

/** What a request sends for one session: a value and its Max-Age (null: until the browser closes). */
export interface Outgoing {
  value: string;
  maxAge: number | null;
}

/** The clear signal: a cookie with Max-Age 0, or the session header present and empty. */
export const CLEAR: Outgoing = { value: '', maxAge: 0 };

/** What one `defineSessions` result knows about cross-site requests. */
export interface CrossSitePolicy {
  /** Wire names of the cookie sessions that cross-site state-changing requests may neither use nor write. */
  readonly guarded: ReadonlySet<string>;
  readonly trustProxy: boolean;
}

export abstract class RequestIO {
  private jar: Map<string, string[]> | undefined;
  private crossSite: boolean | undefined;

  constructor(
    protected readonly headers: HeaderReader,
    private readonly policy: CrossSitePolicy,
  ) {}

  /** The request method, or the best guess where the framework does not tell it. */
  protected abstract method(): string;
  /** The request's own URL (its scheme counts in the cross-site rule), or undefined when unknown. */
  protected abstract url(): string | undefined;
  protected abstract setCookie(name: string, value: string, options: CookieWriteOptions): void;
  /** Sends session header `name`, readable by cross-origin scripts; empty is the clear signal. */
  protected abstract setHeader(name: string, value: string): void;
  /** The response now depends on `name` (`Cookie` or a session header). */
  protected touched(_name: string): void {}

  /** Adds what the sessions need to `response` (Web requests); elsewhere the framework's stores carry it. */
  applyTo(response: Response): Response {
    return response;
  }

  /** The raw value the client sent for `session`; undefined when absent, empty or ambiguous. */
  receive(session: CompiledSession): string | undefined {
    const { wireName } = session;
    this.touched(session.cookie ? 'Cookie' : wireName);
    if (!session.cookie) return decodeWireValue(this.headers.get(wireName) ?? '') || undefined;
    // A cross-site state-changing request does not get to use a guarded cookie (handler() answers 403 first).
    if (session.guarded && this.isCrossSite()) return undefined;
    return singleValue(this.sent(wireName)) || undefined;
  }

  /**
   * Throws when a write for `session` may not leave; called before any side effect. A clear
   * (`clearing`) of a cookie that arrived tossed is not refused but must send nothing: false.
   */
  assertWritable(session: CompiledSession, clearing = false): boolean {
    // No planting a session from another site (login CSRF).
    if (session.guarded && this.isCrossSite()) throw new SessionCrossSiteError(session.name);
    const sent = session.cookie && this.sent(session.wireName);
    if (sent && singleValue(sent) === undefined) {
      if (clearing) return false;
      // A cookie tossed from a sibling subdomain: a new Set-Cookie would replace the user's real one.
      throw new SessionConflictError(
        `Session cookie "${session.wireName}" arrived more than once with different values (a cookie planted by a sibling subdomain?); ` +
          'refusing to write it. Name it with the __Host- prefix in production to prevent this.',
      );
    }
    return true;
  }

  send(session: CompiledSession, out: Outgoing): void {
    const { cookie, wireName } = session;
    this.touched(cookie ? 'Cookie' : wireName);
    if (cookie) this.setCookie(wireName, out.value, cookieWriteOptions(cookie, out.maxAge));
    else this.setHeader(wireName, encodeHeaderValue(out.value));
  }

  /** True for a cross-site state-changing request that carries a guarded session cookie. */
  refusesRequest(): boolean {
    if (!this.isCrossSite()) return false;
    for (const name of this.policy.guarded) if (this.sent(name) !== undefined) return true;
    return false;
  }

  /** The values the request carries under cookie `name`. */
  protected sent(name: string): string[] | undefined {
    this.jar ??= parseCookieHeader(this.headers.get('cookie') ?? '');
    return this.jar.get(name);
  }

  protected isCrossSite(): boolean {
    this.crossSite ??= isCrossSite(this.method(), this.headers, this.url(), this.policy.trustProxy);
    return this.crossSite;
  }
}
