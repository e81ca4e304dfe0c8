/**
 * Cross-site request detection: a state-changing request whose
 * `Sec-Fetch-Site` says `cross-site`, or, from browsers that do not send it,
 * whose `Origin` differs from the request's own origin in scheme, host or
 * port. Requests without either header (curl, server to server) pass.
 *
 * `X-Forwarded-Proto` and `X-Forwarded-Host` are believed only with
 * `trustProxy: true`: without a proxy that overwrites them, any client can
 * set them.
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

/** What one `defineSessions` result knows about cross-site requests. */
export interface CrossSitePolicy extends CrossSiteOptions {
  /** Wire names of the cookie sessions that cross-site state-changing requests may neither use nor write. */
  readonly guarded: ReadonlySet<string>;
}

/** True for a state-changing request from another site. */
export function isCrossSiteRequest(request: Request, options: CrossSiteOptions = {}): boolean {
  return isCrossSite(request.method, request.headers, request.url, options);
}

/**
 * `url` is the request's own URL; where it is unknown (Next's `headers()`), the request's
 * origin is the `Host` header with the scheme of the `Origin` being checked, so only host
 * and port are compared unless `trustProxy` supplies the scheme.
 */
export function isCrossSite(method: string, headers: HeaderReader, url: string | undefined, options: CrossSiteOptions = {}): boolean {
  if (SAFE_METHODS.has(method.toUpperCase())) return false;
  const fetchSite = headers.get('sec-fetch-site');
  if (fetchSite) return fetchSite === 'cross-site';
  const origin = headers.get('origin');
  if (!origin) return false;
  const from = parseUrl(origin);
  if (!from || origin === 'null') return true;
  const self = url === undefined ? undefined : parseUrl(url);
  const forwarded = (name: string) => (options.trustProxy ? first(headers.get(name)) : undefined);
  const scheme = forwarded('x-forwarded-proto') ?? self?.protocol.slice(0, -1) ?? from.protocol.slice(0, -1);
  const host = forwarded('x-forwarded-host') ?? headers.get('host') ?? self?.host;
  if (!host) return true;
  return parseUrl(`${scheme}://${host}`)?.origin !== from.origin;
}

function first(list: string | null): string | undefined {
  return list?.split(',')[0]?.trim() || undefined;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
