import type { Metadata } from 'next';
import { SessionStorageError } from 'sessions-kit';
import { ErrorView } from '@/lib/demo/error-view';
import { sessions } from '@/lib/demo/sessions';
import { DemoWithCode } from '../_components/code-sample';
import { SAMPLES } from '../_components/samples';
import { Devices } from './devices';
import { LogoutButton } from './logout-button';

export const metadata: Metadata = { title: 'Account' };

const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16);

const OUTAGE = Symbol('storage outage');
/** A storage outage becomes a value to render; anything else (the redirect included) goes on. */
function outage(error: unknown): typeof OUTAGE {
  if (error instanceof SessionStorageError) return OUTAGE;
  throw error;
}

export default async function AccountPage() {
  // The authoritative check: proxy.ts only looked for the cookie; this opens the session.
  const auth = await sessions.require('auth', { redirectTo: '/login?next=/account' }).catch(outage);
  // Storage is down: "temporarily unavailable, try again", which proxy.ts answers with a 503.
  if (auth === OUTAGE) return <ErrorView outage />;
  // Every session of this user (the `auth` session names its owner), the current one marked.
  const devices = await (await sessions.current()).list('auth').catch(outage);
  if (devices === OUTAGE) return <ErrorView outage />;
  return (
    <>
      <h1>Account</h1>
      <p className="lead">
        A protected page. <code>proxy.ts</code> sends visitors without an <code>auth</code> cookie to the login page before
        anything renders; <code>sessions.require</code> then checks the session itself, so a forged or expired cookie gets
        the same redirect. Below it, every device you are signed in on: sign one out, or all but this one, and its next request
        lands on the login page.
      </p>
      <DemoWithCode samples={SAMPLES.account}>
        <div className="stack">
        <div className="card stack">
          <p data-testid="who" style={{ margin: 0 }}>
            Signed in as <strong>{auth.user}</strong> since <time dateTime={new Date(auth.loginAt).toISOString()}>{when(auth.loginAt)} UTC</time>.
          </p>
          <p className="muted small" style={{ margin: 0 }}>
            The session ends after 30 idle minutes or 8 hours, whichever comes first. Each page you open renews the idle deadline
            (in <code>proxy.ts</code>).
          </p>
          <LogoutButton />
        </div>
        <Devices devices={devices} />
        </div>
      </DemoWithCode>
    </>
  );
}
