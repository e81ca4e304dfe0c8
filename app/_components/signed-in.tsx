import Link from 'next/link';
import { currentAuth } from './current-auth';

/** The header's "who is signed in", read from the `auth` session while rendering. */
export async function SignedIn() {
  const auth = await currentAuth();
  if (!auth) {
    return (
      <Link href="/login" className="who who-out" data-testid="signed-in">
        Not signed in
      </Link>
    );
  }
  // A long name is shortened with an ellipsis on a narrow screen; the title has it in full.
  return (
    <Link href="/account" className="who" data-testid="signed-in" title={`Signed in as ${auth.user}`}>
      <span className="avatar" aria-hidden="true">
        {auth.user.slice(0, 1).toUpperCase()}
      </span>
      <span className="who-name">
        <span className="sr-only">Signed in as </span>
        {auth.user}
      </span>
    </Link>
  );
}
