/**
 * The cross-site rule, in one place for Route Handlers, Server Actions and `proxy.ts`: a
 * state-changing request (not GET, HEAD or OPTIONS) is cross-site when its `Sec-Fetch-Site` says
 * `cross-site`, or, from browsers that send no `Sec-Fetch-Site`, when its `Origin` differs from
 * the deployment's own origin in scheme, host or port. Requests without either header (curl,
 * server to server) pass: CSRF needs a browser, and a browser always sends one of them.
 *
 * The own origin is the request URL's (scheme, with the `Host` header's host and port). With
 * `trustProxy: true`, `X-Forwarded-Proto` and `X-Forwarded-Host` override it: set it only behind
 * a proxy that overwrites them (one that ends TLS and forwards plain HTTP, for instance).
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the check needs from a request: `Request.headers` and Next's `headers()` both fit. */
export interface HeaderReader {
  get(name: string): string | null;
}

export interface CrossSiteOptions {
  /** Believe X-Forwarded-Proto / X-Forwarded-Host (set it only behind a proxy that overwrites them). */
  trustProxy?: boolean;
}

/**
 * True for a state-changing request from another site.
 *
 * @example
 * // proxy.ts: refuse cross-site form posts to pages before Next handles them
 * if (isCrossSiteRequest(request)) return new Response('Cross-site request refused.', { status: 403 });
 */
export function isCrossSiteRequest(request: Request, options: CrossSiteOptions = {}): boolean {
  return isCrossSite(request.method, request.headers, request.url, options.trustProxy === true);
}

/** `url`: the request's own URL (its scheme is what `Origin` must match, with the `Host` header's host). */
export function isCrossSite(method: string, headers: HeaderReader, url: string | undefined, trustProxy: boolean): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
  const fetchSite = headers.get('sec-fetch-site');
  if (fetchSite) return fetchSite === 'cross-site';
  const origin = headers.get('origin');
  if (!origin) return false;
  const from = origin === 'null' ? undefined : parseUrl(origin);
  if (!from) return true;
  const self = url === undefined ? undefined : parseUrl(url);
  const forwarded = (name: string) => (trustProxy ? headers.get(name)?.split(',')[0]?.trim() || undefined : undefined);
  const scheme = forwarded('x-forwarded-proto') ?? self?.protocol.slice(0, -1) ?? from.protocol.slice(0, -1);
  const host = forwarded('x-forwarded-host') ?? headers.get('host') ?? self?.host;
  return !host || parseUrl(`${scheme}://${host}`)?.origin !== from.origin;
}

function parseUrl(text: string): URL | undefined {
  return URL.canParse(text) ? new URL(text) : undefined;
}
