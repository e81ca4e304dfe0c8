/** Who is signed in, for the header: read once per render and shared by the chip and the nav. */
import 'server-only';
import { cache } from 'react';
import { SessionStorageError } from 'sessions-kit';
import { type AuthSession, sessions } from '@/lib/demo/sessions';

/**
 * The `auth` session, or undefined when nobody is signed in. A storage outage reads as signed out
 * here, so every page still renders its header; the account page and the login form report the
 * outage themselves. Any other error is a fault and goes on.
 */
export const currentAuth = cache(async (): Promise<AuthSession | undefined> => {
  const session = await sessions.current();
  try {
    return await session.get('auth');
  } catch (error) {
    if (error instanceof SessionStorageError) return undefined;
    throw error;
  }
});
