'use server';

import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { SessionCrossSiteError, SessionStorageError } from 'sessions-kit';
import { checkCredentials } from '@/lib/demo/auth';
import { MAX_TEXT } from '@/lib/demo/schemas';
import { deviceLabel } from '@/lib/demo/device-label';
import { sessions } from '@/lib/demo/sessions';
import { safeNextPath } from './next-path';

/** `username` is echoed back: React resets the form after an action, and retyping it is tedious. */
export type LoginState = { error?: string; username?: string; fields?: { username?: string; password?: string } };

const MAX_PASSWORD = 256;

/** A form field as text; a file, a missing field or anything else is empty. */
function textField(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/**
 * The login form's Server Action: sessions.current() reads and writes through next/headers.
 * Server Actions are public endpoints that take whatever a client posts, so the arguments are
 * checked at run time whatever their types say: anything but FormData is a typed error state.
 */
export async function login(_previous: unknown, form: unknown): Promise<LoginState> {
  if (!(form instanceof FormData)) return { error: 'Send the login form.' };
  const username = textField(form, 'username').trim();
  const password = textField(form, 'password');
  const fields: LoginState['fields'] = {};
  if (!username) fields.username = 'Enter a username.';
  else if (username.length > MAX_TEXT) fields.username = `A username has at most ${MAX_TEXT} characters.`;
  if (!password) fields.password = 'Enter a password.';
  else if (password.length > MAX_PASSWORD) fields.password = `A password has at most ${MAX_PASSWORD} characters.`;
  const echoed = username.slice(0, MAX_TEXT);
  if (fields.username || fields.password) return { fields, username: echoed };
  if (!checkCredentials(username, password)) return { error: 'Wrong username or password.', username: echoed };

  try {
    const session = await sessions.current();
    // A new id at login: an id planted before login (session fixation) dies here.
    await session.regenerate('auth');
    await session.set('auth', { user: username, loginAt: Date.now(), device: deviceLabel((await headers()).get('user-agent')) });
  } catch (error) {
    if (error instanceof SessionCrossSiteError) return { error: 'Cross-site request refused.' };
    // Logged once by the storage (one line, no ids); the user keeps the form and can retry.
    if (error instanceof SessionStorageError) return { error: 'Sign-in is temporarily unavailable. Try again.', username: echoed };
    throw error;
  }
  redirect(safeNextPath(form.get('next')));
}

export async function logout(): Promise<void> {
  try {
    const session = await sessions.current();
    await session.clear('auth');
  } catch (error) {
    // Another site cannot log the user out: nothing changed, stay where we are.
    if (error instanceof SessionCrossSiteError) return;
    throw error; // a storage outage: app/error.tsx says "temporarily unavailable, try again"
  }
  redirect('/login');
}
