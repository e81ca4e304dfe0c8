/**
 * Sessions for any Web `Request` (Route Handlers, `proxy.ts`, other runtimes):
 * read from the request, then `applyTo(response)` adds Set-Cookie and
 * session headers to the response you return.
 */
import { parse as parseCookies } from 'cookie';
import { type SessionAccessor, SessionAccessorImpl } from './accessor';
import { isCrossSiteRequest } from './cross-site';
import type { SessionRuntime } from './runtime';
import type { SessionSlot } from './session-slot';
import type { RequestSource } from './transport/transport';

export interface RequestSessions<Data> extends SessionAccessor<Data> {
  /**
   * Adds what this request's sessions need (Set-Cookie, session headers,
   * `Cache-Control: private, no-store`) to `response`. Returns the same
   * response, or a copy when its headers are immutable (`Response.redirect`).
   */
  applyTo(response: Response): Response;
}

export class RequestSessionsImpl<Data> extends SessionAccessorImpl<Data> implements RequestSessions<Data> {
  constructor(runtimes: ReadonlyMap<string, SessionRuntime>, request: Request) {
    let cookies: Record<string, string | undefined> | undefined;
    let crossSite: boolean | undefined;
    const source: RequestSource = {
      // Parsed once per request, on first use; the first of duplicate names wins (the most specific path).
      cookie: (name) => {
        cookies ??= parseCookies(request.headers.get('cookie') ?? '');
        return cookies[name];
      },
      header: (name) => request.headers.get(name) ?? undefined,
    };
    super(runtimes, {
      receive(runtime) {
        // A cross-site state-changing request does not get to use the cookie (handler() answers 403 first).
        if (runtime.transport.kind === 'cookie' && !runtime.allowCrossSite) {
          crossSite ??= isCrossSiteRequest(request);
          if (crossSite) return undefined;
        }
        return runtime.transport.receive(source);
      },
    });
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
}

function writeHeaders(headers: Headers, pending: SessionSlot[]): void {
  headers.set('Cache-Control', 'private, no-store');
  for (const slot of pending) {
    if (slot.outgoing) slot.runtime.transport.apply(slot.outgoing, headers);
  }
}
