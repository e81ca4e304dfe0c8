'use client';

import useSWR from 'swr';
import { SessionSWRConfig } from 'sessions-kit/swr';
import { headerApi } from '../_components/header-api';

type Inspected = {
  sessions: { name: string; transport: string; wireName: string; tracking: string; sent: string | null; reads: unknown }[];
};

function Table() {
  const { data, error, mutate } = useSWR<Inspected>('/api/inspect');
  if (error) return <p className="error">Could not inspect: {(error as Error).message}</p>;
  if (!data) return <p className="muted">Loading…</p>;
  return (
    <>
      <button type="button" className="secondary" onClick={() => mutate()}>
        Refresh
      </button>
      {data.sessions.map((s) => (
        <div className="card" key={s.name} data-testid={`inspect-${s.name}`}>
          <h3>
            {s.name} <span className="muted">({s.transport} <code>{s.wireName}</code>, by {s.tracking})</span>
          </h3>
          <p>The browser holds:</p>
          <pre data-testid="sent">{s.sent ?? '(nothing)'}</pre>
          <p>The server reads:</p>
          <pre data-testid="reads">{JSON.stringify(s.reads, null, 2)}</pre>
        </div>
      ))}
    </>
  );
}

export function InspectorView() {
  return (
    <SessionSWRConfig fetch={headerApi}>
      <Table />
    </SessionSWRConfig>
  );
}
