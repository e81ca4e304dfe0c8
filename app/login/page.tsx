import type { Metadata } from 'next';
import Link from 'next/link';
import { sessions } from '@/lib/demo/sessions';
import { LogoutButton } from '../account/logout-button';
import { DemoWithCode } from '../_components/code-sample';
import { SAMPLES } from '../_components/samples';
import { LoginForm } from './login-form';
import { safeNextPath } from './next-path';

export const metadata: Metadata = { title: 'Log in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNextPath((await searchParams).next);
  const session = await sessions.current();
  const auth = await session.get('auth').catch(() => undefined);

  return (
    <>
      <h1>Log in</h1>
      <p className="lead">
        The form posts to a Server Action that writes the <code>auth</code> session through <code>sessions.current()</code>.
        Logging in regenerates the session id, so an id planted before login is dead afterwards. The session ends after 30
        idle minutes or 8 hours.
      </p>
      <DemoWithCode samples={SAMPLES.login}>
        {auth ? (
          <div className="card stack" data-testid="already">
            <p style={{ margin: 0 }}>
              You are already signed in as <strong>{auth.user}</strong>.
            </p>
            <div className="row">
              <Link className="button" href={next}>
                Continue to {next === '/account' ? 'your account' : next}
              </Link>
              <LogoutButton />
            </div>
          </div>
        ) : (
          <>
            <p className="notice">
              Demo user: <code>ada</code>, password <code>ada</code>.
            </p>
            <LoginForm next={next} />
          </>
        )}
      </DemoWithCode>
    </>
  );
}
