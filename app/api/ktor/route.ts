import { readJsonObject, stringField } from '@/lib/demo/http';
import { type KtorSession, sessions } from '@/lib/demo/sessions';

// `ktor_session`, in Ktor's SessionTransportTransformerEncrypt format: GET reads what a Ktor
// service (or this route) wrote; POST { "userId" } writes one; DELETE clears it.
const answer = (session: KtorSession | undefined) => Response.json({ session: session ?? null });

export const GET = sessions.handler(async (_request, { session }) => answer(await session.get('ktor_session')));

export const POST = sessions.handler(async (request, { session }) => {
  const body = await readJsonObject(request);
  if (!body.ok) return body.response;
  const userId = stringField(body.value, 'userId');
  if (!userId.ok) return userId.response;
  const value: KtorSession = { userId: userId.value, cart: [] };
  await session.set('ktor_session', value);
  return answer(value);
});

export const DELETE = sessions.handler(async (_request, { session }) => {
  await session.clear('ktor_session');
  return answer(undefined);
});
