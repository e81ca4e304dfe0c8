'use client';

import { SessionSWRConfig } from 'sessions-kit/swr';
import useSWR from 'swr';
import type { Inspection } from '@/lib/demo/inspect';
import { headerApi } from '../_components/header-api';
import { KtorForm } from './ktor-form';
import { SessionCard } from './session-card';

function Sessions() {
  const { data, error, mutate, isValidating } = useSWR<Inspection>('/api/inspect');
  if (error) return <p className="error card">Could not inspect: {(error as Error).message}</p>;
  if (!data) return <p className="muted card">Loading…</p>;
  return (
    <>
      <div className="toolbar">
        <p className="muted small" style={{ margin: 0 }}>
          {data.sessions.filter((s) => s.held !== null).length} of {data.sessions.length} sessions held by this tab.
        </p>
        <button type="button" className="secondary" onClick={() => mutate()} disabled={isValidating}>
          Refresh
        </button>
      </div>
      <div className="inspect-grid">
        {data.sessions.map((s) => (
          <SessionCard key={s.name} s={s} limit={data.limit} />
        ))}
      </div>
      <div className="card" style={{ marginTop: '1rem' }}>
        <h2>Ktor&apos;s format</h2>
        <p className="muted small">
          <code>ktor_session</code> is written in Ktor&apos;s own encrypted-then-signed format, so a Ktor service with the same keys
          reads it. Set one here to see it above.
        </p>
        <KtorForm onChange={() => mutate()} />
      </div>
    </>
  );
}

export function InspectorView() {
  // Through the header wrapper, so the tab's X-Cart-Session is inspected too.
  return (
    <SessionSWRConfig fetch={headerApi}>
      <Sessions />
    </SessionSWRConfig>
  );
}
