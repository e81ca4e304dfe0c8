/**
 * Runs before every page request (Next 16's `proxy.ts`, Node runtime).
 *
 * 1. Cross-site writes are refused with a 403 before Next sees them: any state-changing method
 *    to a page from another site, Server Actions posted by `fetch` or by a plain form (Next's own
 *    Origin check would answer those with a 500). The rule is the library's `isCrossSiteRequest`,
 *    the one Route Handlers and Server Actions use: `Sec-Fetch-Site`, else `Origin` against this
 *    request's own scheme, host and port.
 * 2. An optimistic guard: `/account` without an `auth` cookie goes straight to the login page,
 *    which returns here afterwards. It only checks that a cookie is present: the page's
 *    `sessions.require('auth', …)` stays the authoritative check.
 * 3. Rolling renewal on navigation: reading `auth` through `sessions.forRequest` renews its idle
 *    deadline when due, and `applyTo` puts the renewed cookie on the response. Server Components
 *    cannot set cookies, so without this a user who only navigates would be logged out after
 *    30 idle minutes even while clicking around.
 * 4. A storage outage on a guarded page answers 503 (a page can only answer 500 by throwing); the
 *    page itself shows the outage view, as its own read of the session fails the same way.
 */
import { type NextRequest, NextResponse } from 'next/server';
import { SessionStorageError, isCrossSiteRequest } from 'sessions-kit';
import { sessions } from '@/lib/demo/sessions';

const GUARDED = ['/account'];

export async function proxy(request: NextRequest): Promise<Response> {
  if (isCrossSiteRequest(request)) return Response.json({ error: 'Cross-site request refused.' }, { status: 403 });
  const { pathname, search } = request.nextUrl;
  const guarded = GUARDED.some((p) => pathname === p || pathname.startsWith(`${p}/`));
  const hasAuthCookie = request.cookies.has(sessions.describe('auth').wireName);

  if (!hasAuthCookie && guarded) {
    const login = new URL('/login', request.url);
    login.searchParams.set('next', `${pathname}${search}`);
    return NextResponse.redirect(login);
  }
  if (!hasAuthCookie || (request.method !== 'GET' && request.method !== 'HEAD')) return NextResponse.next();

  const session = sessions.forRequest(request);
  try {
    await session.get('auth'); // renews the idle deadline when due
  } catch (error) {
    if (!(error instanceof SessionStorageError)) throw error;
    // Other pages render without this session, or report the outage themselves (app/error.tsx).
    return NextResponse.next(guarded ? { status: 503, headers: { 'Retry-After': '5' } } : undefined);
  }
  return session.applyTo(NextResponse.next());
}

export const config = {
  // Pages only: not the API (its handlers renew on their own), static files or images.
  matcher: ['/((?!api/|_next/|favicon.ico|icon.svg|og.png|robots.txt).*)'],
};
