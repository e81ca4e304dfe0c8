'use client';

import { type FormEvent, useState } from 'react';
import useSWR from 'swr';

type CartAnswer = { items: string[] };

/** A cart driven through `send` (plain fetch, or the header-session wrapper) and SWR. */
export function CartPanel({ url, send, held }: { url: string; send: typeof fetch; held?: () => string | null | undefined }) {
  const { data, error, mutate, isLoading } = useSWR<CartAnswer>(url);
  const [item, setItem] = useState('');
  const [problem, setProblem] = useState<string>();
  // One change at a time: the first answer carries the session the next request must send.
  const [busy, setBusy] = useState(false);

  const change = async (init: RequestInit) => {
    setProblem(undefined);
    setBusy(true);
    try {
      const response = await send(url, { ...init, headers: { 'content-type': 'application/json' } });
      const body = (await response.json().catch(() => ({}))) as CartAnswer & { error?: string };
      if (!response.ok) return setProblem(body.error ?? `${response.status} ${response.statusText}`);
      await mutate(body, { revalidate: false });
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const add = (event: FormEvent) => {
    event.preventDefault();
    void change({ method: 'POST', body: JSON.stringify({ item }) }).then(() => setItem(''));
  };

  if (isLoading) return <p className="muted card">Loading…</p>;
  if (error) return <p className="error card">Could not load the cart: {(error as Error).message}</p>;
  const items = data?.items ?? [];
  const token = held?.();

  return (
    <div className="card">
      <form className="field" onSubmit={add}>
        <label htmlFor="item">Item</label>
        <div className="row">
          <input id="item" value={item} onChange={(e) => setItem(e.target.value)} maxLength={64} required placeholder="tea" />
          <button type="submit" disabled={busy}>
            Add
          </button>
          <button type="button" className="secondary" onClick={() => change({ method: 'DELETE' })} disabled={busy || items.length === 0}>
            Clear
          </button>
        </div>
      </form>
      {items.length === 0 ? (
        <p data-testid="empty" className="muted">
          The cart is empty.
        </p>
      ) : (
        <ul className="items" data-testid="items">
          {items.map((it, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: items may repeat; order is the identity
            <li key={i}>{it}</li>
          ))}
        </ul>
      )}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {held && (
        <div>
          <div className="section-label">Held by this tab (sessionStorage)</div>
          <code className="token" data-testid="held">
            {token ?? '(nothing)'}
          </code>
        </div>
      )}
    </div>
  );
}
