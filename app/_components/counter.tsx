'use client';

import { type FormEvent, useState } from 'react';
import useSWR from 'swr';
import { callJson } from './api';

type CookieAnswer = { session: { name: string; count: number } | null };

export function Counter() {
  const { data, error, mutate, isLoading } = useSWR<CookieAnswer>('/api/cookie', (url: string) => callJson<CookieAnswer>(url));
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string>();

  const run = async (init: RequestInit) => {
    setProblem(undefined);
    try {
      await mutate(callJson<CookieAnswer>('/api/cookie', init), { revalidate: false });
    } catch (e) {
      setProblem((e as Error).message);
    }
  };
  const start = (event: FormEvent) => {
    event.preventDefault();
    void run({ method: 'POST', body: JSON.stringify({ name }) });
  };

  if (isLoading) return <p className="muted">Loading…</p>;
  if (error) return <p className="error">Could not load the session: {(error as Error).message}</p>;
  const session = data?.session;

  return (
    <div className="card">
      {session ? (
        <>
          <p data-testid="greeting">
            Hello, <strong>{session.name}</strong>. Visits counted: <strong data-testid="count">{session.count}</strong>
          </p>
          <div className="row">
            <button type="button" onClick={() => run({ method: 'PATCH' })}>
              Count a visit
            </button>
            <button type="button" className="secondary" onClick={() => run({ method: 'DELETE' })}>
              Log out
            </button>
          </div>
        </>
      ) : (
        <form className="row" onSubmit={start}>
          <label htmlFor="name">Your name</label>
          <input id="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} required />
          <button type="submit">Start session</button>
        </form>
      )}
      {problem && <p className="error" role="alert">{problem}</p>}
      <p className="muted">
        Server answer: <code data-testid="answer">{JSON.stringify(data ?? null)}</code>
      </p>
    </div>
  );
}
