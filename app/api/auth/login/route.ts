import { checkCredentials } from '@/lib/demo/auth';
import { deviceLabel } from '@/lib/demo/device-label';
import { readJsonObject, stringField } from '@/lib/demo/http';
import { sessions } from '@/lib/demo/sessions';

export const POST = sessions.handler(async (request, { session }) => {
  const body = await readJsonObject(request);
  if (!body.ok) return body.response;
  const username = stringField(body.value, 'username');
  if (!username.ok) return username.response;
  const password = stringField(body.value, 'password', 256);
  if (!password.ok) return password.response;
  if (!checkCredentials(username.value, password.value)) {
    return Response.json({ error: 'Wrong username or password.' }, { status: 401 });
  }
  // A new id at login: an id planted before login (session fixation) dies here.
  await session.regenerate('auth');
  await session.set('auth', { user: username.value, loginAt: Date.now(), device: deviceLabel(request.headers.get('user-agent')) });
  return Response.json({ user: username.value });
});
