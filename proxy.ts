/**
 * Runs before every page request (Next 16's `proxy.ts`, Node runtime).
 *
 * 1. An optimistic guard: `/account` without an `auth` cookie goes straight to the login page,
 *    which returns here afterwards. It only checks that a cookie is present: the page's
 *    `sessions.require('auth', …)` stays the authoritative check.
 * 2. Server Actions from another site are refused with a 403 before Next sees them (Next's own
 *    Origin check answers an evil or `null` Origin with a 500). The library refuses cross-site
 *    session writes in the action itself too; this just makes the answer a clean 403.
 * 3. Rolling renewal on navigation: reading `auth` through `sessions.forRequest` renews its idle
 *    deadline when due, and `applyTo` puts the renewed cookie on the response. Server Components
 *    cannot set cookies, so without this a user who only navigates would be logged out after
 *    30 idle minutes even while clicking around.
 */
import { type NextRequest, NextResponse } from 'next/server';
import { SessionStorageError } from 'sessions-kit';
import { sessions } from '@/lib/demo/sessions';

// #region proxy
const GUARDED = ['/account'];

export async function proxy(request: NextRequest): Promise<Response> {
  if (isForeignServerAction(request)) return Response.json({ error: 'Cross-site request refused.' }, { status: 403 });
  const { pathname, search } = request.nextUrl;
  const hasAuthCookie = request.cookies.has(sessions.describe('auth').wireName);

  if (!hasAuthCookie && GUARDED.some((p) => pathname === p || pathname.startsWith(`${p}/`))) {
    const login = new URL('/login', request.url);
    login.searchParams.set('next', `${pathname}${search}`);
    return NextResponse.redirect(login);
  }
  if (!hasAuthCookie || request.method !== 'GET') return NextResponse.next();

  const session = sessions.forRequest(request);
  try {
    await session.get('auth'); // renews the idle deadline when due
  } catch (error) {
    // A storage outage: let the page render and report it (app/error.tsx).
    if (!(error instanceof SessionStorageError)) throw error;
    return NextResponse.next();
  }
  return session.applyTo(NextResponse.next());
}
// #endregion

/** A Server Action POST whose Origin is `null` or names another host than the one addressed. */
function isForeignServerAction(request: NextRequest): boolean {
  if (request.method !== 'POST' || !request.headers.has('next-action')) return false;
  const origin = request.headers.get('origin');
  if (origin === null) return request.headers.get('sec-fetch-site') === 'cross-site';
  try {
    return origin === 'null' || new URL(origin).host !== request.headers.get('host');
  } catch {
    return true;
  }
}

export const config = {
  // Pages only: not the API (its handlers renew on their own), static files or images.
  matcher: ['/((?!api/|_next/|favicon.ico|icon.svg|og.png|robots.txt).*)'],
};
