'use client';

import { type FormEvent, useState } from 'react';
import { callJson } from '../_components/api';

/** Sets `ktor_session` (Ktor's own encrypted-then-signed format) through POST /api/ktor, so the inspector can show it. */
export function KtorForm({ onChange }: { onChange: () => void }) {
  const [userId, setUserId] = useState('');
  const [problem, setProblem] = useState<string>();

  const send = async (init: RequestInit) => {
    setProblem(undefined);
    try {
      await callJson('/api/ktor', init);
      onChange();
    } catch (error) {
      setProblem((error as Error).message);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send({ method: 'POST', body: JSON.stringify({ userId }) });
  };

  return (
    <form className="field" onSubmit={submit}>
      <label htmlFor="ktor-user">Ktor session user id</label>
      <div className="row">
        <input id="ktor-user" value={userId} onChange={(e) => setUserId(e.target.value)} maxLength={64} required placeholder="guest-12345" />
        <button type="submit">Set ktor_session</button>
        <button type="button" className="secondary" onClick={() => send({ method: 'DELETE' })}>
          Clear it
        </button>
      </div>
      {problem && (
        <p className="error small" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
