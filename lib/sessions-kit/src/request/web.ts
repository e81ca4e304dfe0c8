/**
 * Sessions over any Web `Request` (Route Handlers, `proxy.ts`, other runtimes): reads come from
 * the request, writes are collected until `applyTo(response)`.
 */
import { type CookieWriteOptions, formatSetCookie } from '../transport/wire.ts';
import { type CrossSitePolicy, RequestIO } from './io.ts';

export class WebIO extends RequestIO {
  /** Vary entries: `Cookie` and the names of session headers that were read or written. */
  private readonly vary = new Set<string>();
  /** One line per cookie name: a later write replaces an earlier one. */
  private readonly cookieLines = new Map<string, string>();
  private readonly headerValues = new Map<string, string>();

  constructor(
    private readonly request: Request,
    policy: CrossSitePolicy,
  ) {
    super(request.headers, policy);
  }

  protected method(): string {
    return this.request.method;
  }

  protected url(): string {
    return this.request.url;
  }

  protected touched(name: string): void {
    this.vary.add(name);
  }

  protected setCookie(name: string, value: string, options: CookieWriteOptions): void {
    this.cookieLines.set(name, formatSetCookie(name, value, options));
  }

  protected setHeader(name: string, value: string): void {
    this.headerValues.set(name, value);
  }

  /**
   * Set-Cookie and session headers, and, when a session was read or written,
   * `Cache-Control: private, no-store` and `Vary` (appended to any `Vary` already there).
   * Returns the same response, or a copy when its headers are immutable (`Response.redirect`, `fetch`).
   */
  applyTo(response: Response): Response {
    if (this.vary.size === 0) return response;
    try {
      this.writeTo(response.headers);
      return response;
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      const copy = new Response(response.body, { status: response.status, statusText: response.statusText, headers: new Headers(response.headers) });
      this.writeTo(copy.headers);
      return copy;
    }
  }

  private writeTo(headers: Headers): void {
    // A response that depends on a session must not be stored by shared caches, nor served to
    // a client that sends another cookie or session header. A handler's own `private, no-store, …` stays.
    const directives = tokens(headers.get('Cache-Control'));
    if (!directives.includes('private') || !directives.includes('no-store')) headers.set('Cache-Control', 'private, no-store');
    for (const name of this.vary) appendToken(headers, 'Vary', name);
    for (const line of this.cookieLines.values()) headers.append('Set-Cookie', line);
    for (const [name, value] of this.headerValues) {
      headers.set(name, value);
      appendToken(headers, 'Access-Control-Expose-Headers', name);
    }
  }
}

/** Adds `token` to a comma-separated header, keeping what is there; `Vary: *` already covers it. */
function appendToken(headers: Headers, header: string, token: string): void {
  const current = headers.get(header);
  if (!current) headers.set(header, token);
  else if (!tokens(current).some((t) => t === token.toLowerCase() || (t === '*' && header === 'Vary'))) headers.set(header, `${current}, ${token}`);
}

function tokens(value: string | null): string[] {
  return value ? value.toLowerCase().split(',').map((t) => t.trim().split('=')[0] ?? '') : [];
}
