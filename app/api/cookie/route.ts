import { readJsonObject, stringField } from '@/lib/demo/http';
import { type UserSession, sessions } from '@/lib/demo/sessions';

// The encrypted cookie session `user_session`: every answer but the 401 is { session } after the request.
const answer = (session: UserSession | undefined) => Response.json({ session: session ?? null });

export const GET = sessions.handler(async (_request, { session }) => answer(await session.get('user_session')));

export const POST = sessions.handler(async (request, { session }) => {
  const body = await readJsonObject(request);
  if (!body.ok) return body.response;
  const name = stringField(body.value, 'name');
  if (!name.ok) return name.response;
  const started: UserSession = { name: name.value, count: 0 };
  await session.set('user_session', started);
  return answer(started);
});

export const PATCH = sessions.handler(async (_request, { session }) => {
  const current = await session.get('user_session');
  if (!current) return Response.json({ error: 'No session: POST /api/cookie with { "name" } first.' }, { status: 401 });
  // By value, update is get + set within this request (the value lives in the client's cookie).
  const next = await session.update('user_session', (value) => {
    const base = value ?? current;
    return { ...base, count: base.count + 1 };
  });
  return answer(next);
});

export const DELETE = sessions.handler(async (_request, { session }) => {
  await session.clear('user_session');
  return answer(undefined);
});
