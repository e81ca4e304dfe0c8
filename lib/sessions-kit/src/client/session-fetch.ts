/**
 * `createSessionFetch`: a `fetch` that carries header sessions for you. It
 * remembers each session header the server sends, sends it back on every
 * later request, and forgets it when the server answers with the header
 * present and empty (the clear signal).
 *
 * A held header only ever goes to the page's own origin and to `origins`, and
 * only a response from one of those can set or clear it, redirects included:
 * - same-origin requests in a browser are sent with `mode: 'same-origin'`, so
 *   the browser follows redirects within the origin and refuses (the call
 *   rejects with a `TypeError`) any hop to another origin before sending to it;
 * - every other request that carries sessions is sent with `redirect: 'manual'`
 *   and the wrapper follows redirects itself (at most 20), checking each hop's
 *   origin: a hop to an untrusted origin is sent without the session headers, and
 *   nothing from that hop or after it is stored; a hop to any other origin, trusted
 *   or not, drops `Authorization`, `Proxy-Authorization` and `Cookie`, as the Fetch
 *   standard does. Where redirects are opaque
 *   (browsers answer `redirect: 'manual'` with an `opaqueredirect` that hides
 *   its target) the call rejects with a `TypeError`, as `redirect: 'error'` does;
 * - a caller's own `redirect: 'manual'` or `'error'` is kept as given.
 *
 * @example
 * const api = createSessionFetch({ headers: ['X-Cart-Session'], store: 'sessionStorage' });
 * await api('/api/header/cart', { method: 'POST', body: JSON.stringify({ item: 'tea' }) });
 */
import { followRedirects } from './redirects.ts';
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
   * not even through a redirect, and a third party cannot plant one.
   */
  origins?: readonly string[];
}

export type SessionFetch = ((input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) & {
  /** The store in use, to read or reset what is held. */
  readonly store: SessionHeaderStore;
};

/** Without a page (Node, tests), relative URLs resolve against this and count as "ours". */
const RELATIVE_BASE = 'relative:/';

export function createSessionFetch(options: SessionFetchOptions): SessionFetch {
  const names = [...options.headers];
  if (names.length === 0) throw new TypeError('createSessionFetch needs at least one header name.');
  const store = resolveStore(options.store);
  const trusted = new Set(options.origins?.map((o) => new URL(o).origin));

  /** Same origin as the page (relative URLs included), or an origin the caller trusts. */
  const carriesSessions = (url: URL): boolean => {
    if (trusted.has(url.origin)) return true;
    const page = pageOrigin();
    // Without a page (tests, server rendering) only relative URLs count as "ours".
    return page ? url.origin === page : url.protocol === 'relative:';
  };

  const remember = (response: Response) => {
    for (const name of names) {
      const value = response.headers.get(name);
      if (value === null) continue; // not mentioned: keep what we hold
      if (value === '') store.delete(name);
      else store.set(name, value);
    }
  };

  const sessionFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const doFetch = options.fetch ?? globalThis.fetch;
    const target = resolve(input);
    if (!target || !carriesSessions(target)) return doFetch(input, init);

    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    for (const name of names) {
      const value = store.get(name);
      // A header the caller set explicitly wins.
      if (value && !headers.has(name)) headers.set(name, value);
    }

    const redirect = init?.redirect ?? (input instanceof Request ? input.redirect : 'follow');
    const mode = init?.mode ?? (input instanceof Request ? input.mode : undefined);
    const page = pageOrigin();

    if (redirect !== 'follow') {
      // The caller handles redirects: one hop, to a URL we trust.
      const response = await doFetch(input, { ...init, headers });
      if (cameFromTrusted(response, target, carriesSessions)) remember(response);
      return response;
    }
    if (page && target.origin === page && (mode === undefined || mode === 'same-origin' || mode === 'cors')) {
      // The browser follows redirects within the origin and rejects any hop out of it unsent.
      const response = await doFetch(input, { ...init, headers, mode: 'same-origin' });
      if (cameFromTrusted(response, target, carriesSessions)) remember(response);
      return response;
    }
    const result = await followRedirects({
      doFetch,
      input,
      init: { ...init, headers },
      target,
      trusted: carriesSessions,
      sessionHeaders: names,
      base: page ?? RELATIVE_BASE,
    });
    if (result.allTrusted) remember(result.response);
    return result.response;
  };
  return Object.assign(sessionFetch, { store });
}

function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  return origin && origin !== 'null' ? origin : undefined;
}

/** The absolute URL a fetch of `input` goes to, or undefined when it cannot be parsed. */
function resolve(input: RequestInfo | URL): URL | undefined {
  const raw = input instanceof Request ? input.url : String(input);
  try {
    return new URL(raw, pageOrigin() ?? RELATIVE_BASE);
  } catch {
    return undefined;
  }
}

/** A response's own URL when the fetch reports one (real fetches do; fakes may not). */
function cameFromTrusted(response: Response, target: URL, trusted: (url: URL) => boolean): boolean {
  if (response.type === 'opaqueredirect' || response.type === 'opaque') return false;
  if (!response.url) return trusted(target);
  try {
    return trusted(new URL(response.url));
  } catch {
    return false;
  }
}
