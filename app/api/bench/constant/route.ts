/**
 * Benchmark floor (bench/run.mjs): the answer of `GET /api/bench?session=1` with a constant
 * Set-Cookie, i.e. what Next itself costs for a route that sends a cookie. No library runs per
 * request: the headers are the ones our session route sends (Set-Cookie of the same size,
 * Cache-Control, Vary), made once on the first request and then returned as they are.
 * 404 unless the server was started with SESSIONS_BENCH=1.
 */
import { sessions } from '@/lib/demo/sessions';
import { benchEnabled, notFound } from '../enabled';

let constantHeaders: Promise<[string, string][]> | undefined;

/** Our route's response headers for `{ name: 'bench', count: 1 }`, made once. */
async function makeHeaders(request: Request): Promise<[string, string][]> {
  const session = sessions.forRequest(new Request(request.url));
  await session.set('user_session', { name: 'bench', count: 1 });
  const response = await session.applyTo(new Response(null));
  return [...response.headers].filter(([name]) => name !== 'content-type');
}

export async function GET(request: Request): Promise<Response> {
  if (!benchEnabled()) return notFound();
  constantHeaders ??= makeHeaders(request);
  const response = Response.json({ count: 1 });
  for (const [name, value] of await constantHeaders) response.headers.append(name, value);
  return response;
}
