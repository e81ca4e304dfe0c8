'use client';

import { type FormEvent, useState } from 'react';
import useSWR from 'swr';
import { callJson } from './api';

type CookieAnswer = { session: { name: string; count: number } | null };

export function Counter() {
  const { data, error, mutate, isLoading } = useSWR<CookieAnswer>('/api/cookie', (url: string) => callJson<CookieAnswer>(url));
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string>();

  // Each button calls the Route Handler; its answer is the session after the request.
  const run = async (init: RequestInit) => {
    setProblem(undefined);
    try {
      await mutate(callJson<CookieAnswer>('/api/cookie', init), { revalidate: false });
    } catch (e) {
      setProblem((e as Error).message);
    }
  };
  const count = () => run({ method: 'PATCH' });
  const end = () => run({ method: 'DELETE' });
  const start = (event: FormEvent) => {
    event.preventDefault();
    void run({ method: 'POST', body: JSON.stringify({ name }) });
  };

  if (isLoading) return <p className="muted card">Loading…</p>;
  if (error) return <p className="error card">Could not load the session: {(error as Error).message}</p>;
  const session = data?.session;

  return (
    <div className="card stack">
      {session ? (
        <>
          <p data-testid="greeting" style={{ margin: 0 }}>
            Hello, <strong>{session.name}</strong>.
          </p>
          <div>
            <div className="stat" data-testid="count" aria-live="polite">
              {session.count}
            </div>
            <div className="muted small">visits counted in this cookie</div>
          </div>
          <div className="row">
            <button type="button" onClick={count}>
              Count a visit
            </button>
            <button type="button" className="secondary" onClick={end}>
              End counter session
            </button>
          </div>
        </>
      ) : (
        <form className="stack" onSubmit={start}>
          <div className="field">
            <label htmlFor="name">Your name</label>
            <div className="row">
              <input id="name" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} required autoComplete="given-name" />
              <button type="submit">Start session</button>
            </div>
          </div>
        </form>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <div>
        <div className="section-label">Server answer</div>
        <code className="token" data-testid="answer">
          {JSON.stringify(data ?? null)}
        </code>
      </div>
    </div>
  );
}
