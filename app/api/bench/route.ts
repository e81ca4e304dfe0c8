/**
 * Benchmark-only endpoint for `npm run bench` (bench/run.mjs): 404 unless the server was
 * started with SESSIONS_BENCH=1.
 *
 *   GET /api/bench            the handler body without session work: { count }
 *   GET /api/bench?session=1  reads the encrypted `user_session`, increments its count,
 *                             sets it (re-encrypts, Set-Cookie): { count }
 *
 * Both go through `sessions.handler`, so the only difference is the session work. The floors
 * of the HTTP figures are /api/bench/constant (the same answer with a constant Set-Cookie, no
 * library) and /api/bench/iron (the same route on iron-session).
 */
import { sessions } from '@/lib/demo/sessions';
import { benchEnabled, notFound } from './enabled';

const bench = sessions.handler(async (request, { session }) => {
  if (new URL(request.url).searchParams.get('session') !== '1') {
    return Response.json({ count: 1 });
  }
  const current = await session.get('user_session');
  const next = { name: current?.name ?? 'bench', count: (current?.count ?? 0) + 1 };
  await session.set('user_session', next);
  return Response.json({ count: next.count });
});

export async function GET(request: Request): Promise<Response> {
  if (!benchEnabled()) return notFound();
  return bench(request, {});
}
