import { sessions } from '@/lib/demo/sessions';

/** Signs one session of this user out; 404 when the handle names none of theirs (or it is gone). */
export const DELETE = sessions.protect<'auth', unknown, { params: Promise<{ handle: string }> }>('auth', {}, async (_request, { session, params }) => {
  const revoked = await session.revoke('auth', (await params).handle);
  return revoked ? Response.json({ revoked: true }) : Response.json({ error: 'No such session.' }, { status: 404 });
});
