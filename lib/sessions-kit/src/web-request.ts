/**
 * Sessions for any Web `Request` (Route Handlers, `proxy.ts`, other runtimes):
 * read from the request, then `applyTo(response)` adds what the sessions need
 * to the response you return.
 */
import { type CompiledSession, isGuardedCookie } from './compile-session.ts';
import { type CrossSitePolicy, isCrossSiteRequest } from './cross-site.ts';
import { SessionCrossSiteError } from './errors.ts';
import { appendToken, markPrivate } from './private-response.ts';
import { type SessionAccessor, SessionAccessorImpl } from './session-accessor.ts';
import type { CookieWriteOptions, SessionIO, WritableSession } from './session-io.ts';
import { formatSetCookie, parseCookieHeader, singleValue } from './transport/cookie-wire.ts';

export interface RequestSessions<Data> extends SessionAccessor<Data> {
  /**
   * Adds what this request's sessions need to `response`: Set-Cookie and session headers, and,
   * when a session was read or written, `Cache-Control: private, no-store` and `Vary` (Cookie or
   * the session header's name, appended to any `Vary` already there). Returns the same response,
   * or a copy when its headers are immutable (`Response.redirect`, `fetch`).
   */
  applyTo(response: Response): Response;
}

/** The raw value a request carries for a session (as `describe(name)` names it), the way the library reads it. */
export function readWireValue(request: Request, session: { transport: 'cookie' | 'header'; wireName: string }): string | undefined {
  if (session.transport === 'header') return request.headers.get(session.wireName) ?? undefined;
  return singleValue(parseCookieHeader(request.headers.get('cookie') ?? '').get(session.wireName));
}

/** SessionIO over a Web Request; collects what to send until `applyTo`. */
export class WebRequestIO implements SessionIO {
  private jar: Map<string, string[]> | undefined;
  private crossSite: boolean | undefined;
  /** Vary entries: `Cookie` and the names of session headers that were read or written. */
  private readonly vary = new Set<string>();
  /** One line per cookie name: a later write replaces an earlier one. */
  private readonly cookieLines = new Map<string, string>();
  private readonly headerValues = new Map<string, string>();

  constructor(
    private readonly request: Request,
    private readonly policy: CrossSitePolicy,
  ) {}

  cookie(name: string): string | undefined {
    this.vary.add('Cookie');
    // A cross-site state-changing request does not get to use a guarded cookie (handler() answers 403 first).
    if (this.policy.guarded.has(name) && this.isCrossSite()) return undefined;
    return singleValue(this.sent(name));
  }

  header(name: string): string | undefined {
    this.vary.add(name);
    return this.request.headers.get(name) ?? undefined;
  }

  assertWritable(session: WritableSession): void {
    // Nor to plant one (login CSRF).
    if (isGuardedCookie(session) && this.isCrossSite()) throw new SessionCrossSiteError(session.name);
  }

  setCookie(name: string, value: string, options: CookieWriteOptions): void {
    this.vary.add('Cookie');
    this.cookieLines.set(name, formatSetCookie(name, value, options));
  }

  setHeader(name: string, value: string): void {
    this.vary.add(name);
    this.headerValues.set(name, value);
  }

  /** True for a cross-site state-changing request that carries a guarded session cookie. */
  refusesRequest(): boolean {
    if (!this.isCrossSite()) return false;
    for (const name of this.policy.guarded) if (this.sent(name) !== undefined) return true;
    return false;
  }

  applyTo(response: Response): Response {
    if (this.vary.size === 0) return response;
    try {
      this.writeTo(response.headers);
      return response;
    } catch (error) {
      // Headers of Response.redirect() and fetch() responses are immutable: answer with a copy.
      if (!(error instanceof TypeError)) throw error;
      const copy = new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers: new Headers(response.headers),
      });
      this.writeTo(copy.headers);
      return copy;
    }
  }

  private writeTo(headers: Headers): void {
    markPrivate(headers, this.vary);
    for (const line of this.cookieLines.values()) headers.append('Set-Cookie', line);
    for (const [name, value] of this.headerValues) {
      headers.set(name, value);
      appendToken(headers, 'Access-Control-Expose-Headers', name);
    }
  }

  private sent(name: string): string[] | undefined {
    this.jar ??= parseCookieHeader(this.request.headers.get('cookie') ?? '');
    return this.jar.get(name);
  }

  private isCrossSite(): boolean {
    this.crossSite ??= isCrossSiteRequest(this.request, this.policy);
    return this.crossSite;
  }
}

export class RequestSessionsImpl<Data> extends SessionAccessorImpl<Data> implements RequestSessions<Data> {
  constructor(
    compiled: ReadonlyMap<string, CompiledSession>,
    private readonly webIO: WebRequestIO,
  ) {
    super(compiled, webIO);
  }

  /** True for a cross-site state-changing request that carries a guarded session cookie. */
  refusesRequest(): boolean {
    return this.webIO.refusesRequest();
  }

  applyTo(response: Response): Response {
    return this.webIO.applyTo(response);
  }
}
