/**
 * Cross-site request refusal: a state-changing request that carries a cookie
 * session and comes from another site is refused before the handler runs.
 * Requests without Origin or Sec-Fetch-Site (curl, server to server) pass.
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function isCrossSiteRequest(request: Request): boolean {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return false;
  const fetchSite = request.headers.get('sec-fetch-site');
  if (fetchSite) return fetchSite === 'cross-site';
  const origin = request.headers.get('origin');
  if (!origin) return false;
  if (origin === 'null') return true;
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? safeHost(request.url);
  // Without Sec-Fetch-Site we cannot tell sites apart, so another host counts as another site.
  return safeHost(origin) !== host?.split(',')[0]?.trim().toLowerCase();
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}
