'use client';

import { useActionState } from 'react';
import { type LoginState, login } from './actions';

export function LoginForm() {
  const [state, action, pending] = useActionState<LoginState, FormData>(login, {});

  return (
    <form className="card" action={action}>
      <div className="row">
        <label htmlFor="username">Username</label>
        <input id="username" name="username" autoComplete="username" defaultValue={state.username} required />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required />
        <button type="submit" disabled={pending}>
          Log in
        </button>
      </div>
      {state.fields?.username && <p className="error">{state.fields.username}</p>}
      {state.fields?.password && <p className="error">{state.fields.password}</p>}
      {state.error && <p className="error">{state.error}</p>}
    </form>
  );
}
