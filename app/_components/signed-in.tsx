import Link from 'next/link';
import { sessions } from '@/lib/demo/sessions';

/** The header's "who is signed in", read from the `auth` session while rendering. */
export async function SignedIn() {
  const session = await sessions.current();
  const auth = await session.get('auth').catch(() => undefined); // a storage outage shows as signed out here
  if (!auth) {
    return (
      <Link href="/login" className="who who-out" data-testid="signed-in">
        Not signed in
      </Link>
    );
  }
  return (
    <Link href="/account" className="who" data-testid="signed-in">
      <span className="avatar" aria-hidden="true">
        {auth.user.slice(0, 1).toUpperCase()}
      </span>
      <span>
        <span className="sr-only">Signed in as </span>
        {auth.user}
      </span>
    </Link>
  );
}
