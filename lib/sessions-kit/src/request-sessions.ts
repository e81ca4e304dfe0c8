/**
 * Sessions for any Web `Request` (Route Handlers, `proxy.ts`, other runtimes):
 * read from the request, then `applyTo(response)` adds Set-Cookie and
 * session headers to the response you return.
 */
import { parse as parseCookies } from 'cookie';
import { type SessionAccessor, SessionAccessorImpl } from './accessor.ts';
import { isCrossSiteRequest } from './cross-site.ts';
import { SessionCrossSiteError } from './errors.ts';
import type { SessionRuntime } from './runtime.ts';
import type { SessionSlot } from './session-slot.ts';
import type { RequestSource } from './transport/transport.ts';

export interface RequestSessions<Data> extends SessionAccessor<Data> {
  /**
   * Adds what this request's sessions need (Set-Cookie, session headers,
   * `Cache-Control: private, no-store`) to `response`. Returns the same
   * response, or a copy when its headers are immutable (`Response.redirect`).
   */
  applyTo(response: Response): Response;
}

/** Cookie sessions that cross-site state-changing requests may neither use nor write. */
const guarded = (runtime: SessionRuntime) => runtime.transport.kind === 'cookie' && !runtime.allowCrossSite;

export class RequestSessionsImpl<Data> extends SessionAccessorImpl<Data> implements RequestSessions<Data> {
  private readonly request: Request;
  private cookies: Record<string, string | undefined> | undefined;
  private crossSite: boolean | undefined;

  constructor(runtimes: ReadonlyMap<string, SessionRuntime>, request: Request) {
    const source: RequestSource = {
      cookie: (name) => this.cookieJar()[name],
      header: (name) => request.headers.get(name) ?? undefined,
    };
    super(runtimes, {
      // A cross-site state-changing request does not get to use the cookie (handler() answers 403 first)…
      receive: (runtime) => (guarded(runtime) && this.isCrossSite() ? undefined : runtime.transport.receive(source)),
      // …nor to plant one (login CSRF).
      assertWritable: (runtime) => {
        if (guarded(runtime) && this.isCrossSite()) throw new SessionCrossSiteError(runtime.name);
      },
    });
    this.request = request;
  }

  /** True for a cross-site state-changing request that carries a guarded session cookie. */
  refusesRequest(): boolean {
    if (!this.isCrossSite()) return false;
    const jar = this.cookieJar();
    return [...this.runtimes.values()].some((r) => guarded(r) && jar[r.transport.wireName] !== undefined);
  }

  applyTo(response: Response): Response {
    const pending = [...this.slots.values()].filter((slot) => slot.outgoing !== undefined);
    if (pending.length === 0) return response;
    try {
      writeHeaders(response.headers, pending);
      return response;
    } catch (error) {
      // Headers of Response.redirect() and fetch() responses are immutable: answer with a copy.
      if (!(error instanceof TypeError)) throw error;
      const copy = new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers: new Headers(response.headers),
      });
      writeHeaders(copy.headers, pending);
      return copy;
    }
  }

  /** Parsed once per request, on first use; the first of duplicate names wins (the most specific path). */
  private cookieJar(): Record<string, string | undefined> {
    this.cookies ??= parseCookies(this.request.headers.get('cookie') ?? '');
    return this.cookies;
  }

  private isCrossSite(): boolean {
    this.crossSite ??= isCrossSiteRequest(this.request);
    return this.crossSite;
  }
}

function writeHeaders(headers: Headers, pending: SessionSlot[]): void {
  headers.set('Cache-Control', 'private, no-store');
  for (const slot of pending) {
    if (slot.outgoing) slot.runtime.transport.apply(slot.outgoing, headers);
  }
}
