import { sessions } from '@/lib/demo/sessions';
import { LogoutButton } from './logout-button';

// A protected page: without a login session, sessions.require redirects to /login.
export default async function AccountPage() {
  const auth = await sessions.require('auth', { redirectTo: '/login' });
  return (
    <>
      <h1>Account</h1>
      <div className="card">
        <p data-testid="who">
          Signed in as <strong>{auth.user}</strong> since {new Date(auth.loginAt).toUTCString()}.
        </p>
        <LogoutButton />
      </div>
    </>
  );
}
