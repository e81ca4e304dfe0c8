'use server';

import { redirect } from 'next/navigation';
import { checkCredentials } from '@/lib/demo/auth';
import { sessions } from '@/lib/demo/sessions';

/** `username` is echoed back: React resets the form after an action, and retyping it is tedious. */
export type LoginState = { error?: string; username?: string; fields?: { username?: string; password?: string } };

/** The login form's Server Action: sessions.current() reads and writes through next/headers. */
export async function login(_previous: LoginState, form: FormData): Promise<LoginState> {
  const username = String(form.get('username') ?? '').trim();
  const password = String(form.get('password') ?? '');
  const fields: LoginState['fields'] = {};
  if (!username) fields.username = 'Enter a username.';
  if (!password) fields.password = 'Enter a password.';
  if (fields.username || fields.password) return { fields, username };
  if (!checkCredentials(username, password)) return { error: 'Wrong username or password.', username };

  const session = await sessions.current();
  // A new id at login: an id planted before login (session fixation) dies here.
  await session.regenerate('auth');
  await session.set('auth', { user: username, loginAt: Date.now() });
  redirect('/account');
}

export async function logout(): Promise<void> {
  const session = await sessions.current();
  await session.clear('auth');
  redirect('/login');
}
