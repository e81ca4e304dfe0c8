'use client';

import { useActionState } from 'react';
import { type LoginState, login } from './actions';

export function LoginForm({ next }: { next: string }) {
  const [state, action, pending] = useActionState<LoginState, FormData>(login, {});
  const { fields } = state;

  return (
    <form className="card stack" action={action} noValidate={false}>
      <input type="hidden" name="next" value={next} />
      <div className="field">
        <label htmlFor="username">Username</label>
        <input
          id="username"
          name="username"
          autoComplete="username"
          defaultValue={state.username}
          required
          aria-invalid={fields?.username ? true : undefined}
          aria-describedby={fields?.username ? 'username-error' : undefined}
        />
        {fields?.username && (
          <p className="error small" id="username-error" style={{ margin: 0 }}>
            {fields.username}
          </p>
        )}
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          aria-invalid={fields?.password ? true : undefined}
          aria-describedby={fields?.password ? 'password-error' : undefined}
        />
        {fields?.password && (
          <p className="error small" id="password-error" style={{ margin: 0 }}>
            {fields.password}
          </p>
        )}
      </div>
      {state.error && (
        <p className="error" role="alert" style={{ margin: 0 }}>
          {state.error}
        </p>
      )}
      <div>
        <button type="submit" disabled={pending}>
          {pending ? 'Logging in…' : 'Log in'}
        </button>
      </div>
    </form>
  );
}
