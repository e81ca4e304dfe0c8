/**
 * Benchmark peer (bench/run.mjs): the route of `GET /api/bench?session=1` built on iron-session,
 * through its Web Request/Response API (its cheapest path in a Route Handler, without
 * `next/headers`): unseal the cookie, increment the count, seal it again, Set-Cookie.
 * 404 unless the server was started with SESSIONS_BENCH=1.
 */
import { getIronSession } from 'iron-session';
import { sessionSecrets } from '@/lib/demo/secret';
import { type BenchSession, benchEnabled, notFound } from '../enabled';

// The same cookie attributes as our `user_session` in production (7 days, Lax, HttpOnly, Secure).
const options = {
  cookieName: 'iron_session',
  cookieOptions: { maxAge: 7 * 24 * 3600, sameSite: 'lax', httpOnly: true, secure: true, path: '/' },
} as const;

export async function GET(request: Request): Promise<Response> {
  if (!benchEnabled()) return notFound();
  const headers = new Response(null);
  const session = await getIronSession<Partial<BenchSession>>(request, headers, {
    ...options,
    password: sessionSecrets()[0] as string,
  });
  session.name ??= 'bench';
  session.count = (session.count ?? 0) + 1;
  await session.save();
  const response = Response.json({ count: session.count });
  for (const value of headers.headers.getSetCookie()) response.headers.append('set-cookie', value);
  return response;
}
