import { LoginForm } from './login-form';

export default function LoginPage() {
  return (
    <>
      <h1>Log in</h1>
      <p className="lead">
        Demo user: <code>ada</code>, password <code>ada</code>. The form posts to a Server Action that writes the{' '}
        <code>auth</code> session through <code>sessions.current()</code>. Logging in regenerates the session id, so an
        id planted before login is dead afterwards. The session ends after 30 idle minutes or 8 hours.
      </p>
      <LoginForm />
    </>
  );
}
