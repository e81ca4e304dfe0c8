/**
 * `createSessionFetch`: a `fetch` that carries header sessions for you. It
 * remembers each session header the server sends, sends it back on every
 * later request, and forgets it when the server answers with the header
 * present and empty (the clear signal).
 *
 * @example
 * const api = createSessionFetch({ headers: ['X-Cart-Session'], store: 'sessionStorage' });
 * await api('/api/header/cart', { method: 'POST', body: JSON.stringify({ item: 'tea' }) });
 */
import { type SessionHeaderStore, type StoreOption, resolveStore } from './stores.ts';

export interface SessionFetchOptions {
  /** The session header names to carry, e.g. `['X-Cart-Session']`. */
  headers: readonly string[];
  /** Where values live between requests. Default `'memory'`. */
  store?: StoreOption;
  /** The underlying fetch. Default: the global one. */
  fetch?: typeof fetch;
  /**
   * Other origins (e.g. `'https://api.example.com'`) that may receive and set the session headers.
   * By default only the page's own origin does: a session token never leaks to a third party,
   * and a third party cannot plant one.
   */
  origins?: readonly string[];
}

export type SessionFetch = ((input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) & {
  /** The store in use, to read or reset what is held. */
  readonly store: SessionHeaderStore;
};

export function createSessionFetch(options: SessionFetchOptions): SessionFetch {
  const names = [...options.headers];
  if (names.length === 0) throw new TypeError('createSessionFetch needs at least one header name.');
  const store = resolveStore(options.store);
  const trusted = new Set(options.origins?.map((o) => new URL(o).origin));

  const sessionFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const doFetch = options.fetch ?? globalThis.fetch;
    if (!carriesSessions(input, trusted)) return doFetch(input, init);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    for (const name of names) {
      const value = store.get(name);
      // A header the caller set explicitly wins.
      if (value && !headers.has(name)) headers.set(name, value);
    }
    const response = await doFetch(input, { ...init, headers });
    for (const name of names) {
      const value = response.headers.get(name);
      if (value === null) continue; // not mentioned: keep what we hold
      if (value === '') store.delete(name);
      else store.set(name, value);
    }
    return response;
  };
  return Object.assign(sessionFetch, { store });
}

/** Same origin as the page (relative URLs included), or an origin the caller trusts. */
function carriesSessions(input: RequestInfo | URL, trusted: ReadonlySet<string>): boolean {
  const raw = input instanceof Request ? input.url : String(input);
  const page = (globalThis as { location?: { origin?: string } }).location?.origin;
  let target: URL;
  try {
    target = new URL(raw, page ?? 'relative:/');
  } catch {
    return false;
  }
  if (trusted.has(target.origin)) return true;
  // Without a page (tests, server rendering) only relative URLs count as "ours".
  return page ? target.origin === page : target.protocol === 'relative:';
}
