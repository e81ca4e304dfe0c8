// @vitest-environment node
/**
 * createSessionFetch: remembers session headers the server sends, sends them
 * back, forgets them on the empty-header clear signal. Plus the stores, the
 * SWR fetcher, and a round trip through a real `sessions.handler` route.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineSessions, header, memoryStorage, signed } from '../index.ts';
import { SECRET } from '../../test/helpers.ts';
import { createSessionFetch } from './session-fetch.ts';
import { type SessionHeaderStore, memoryStore, webStorageStore } from './stores.ts';
import { FetchError, jsonFetcher } from '../swr.tsx';

const CART = 'X-Cart-Session';
const USER = 'X-User-Session';

interface Call {
  url: string;
  headers: Headers;
  init: RequestInit | undefined;
}

/** A fake fetch that records what it was sent and answers with the next scripted headers. */
function fakeFetch(replies: Array<Record<string, string> | (() => Response)> = []) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    calls.push({ url, headers: new Headers(init?.headers), init });
    const next = replies.shift();
    if (typeof next === 'function') return next();
    return new Response('{}', { status: 200, headers: next ?? {} });
  });
  return { fetch: fn as unknown as typeof fetch, calls };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createSessionFetch', () => {
  it('remembers the header from a response and sends it on the next request', async () => {
    const { fetch, calls } = fakeFetch([{ [CART]: 'token-1' }, {}]);
    const api = createSessionFetch({ headers: [CART], fetch });
    await api('/api/cart');
    expect(calls[0]?.headers.has(CART)).toBe(false);
    await api('/api/cart', { method: 'POST' });
    expect(calls[1]?.headers.get(CART)).toBe('token-1');
    expect(calls[1]?.init?.method).toBe('POST');
    expect(api.store.get(CART)).toBe('token-1');
  });

  it('replaces the stored value with a newer one from the server', async () => {
    const { fetch, calls } = fakeFetch([{ [CART]: 'token-1' }, { [CART]: 'token-2' }, {}]);
    const api = createSessionFetch({ headers: [CART], fetch });
    await api('/a');
    await api('/b');
    await api('/c');
    expect(calls[2]?.headers.get(CART)).toBe('token-2');
  });

  it('does not overwrite a header the caller set explicitly', async () => {
    const { fetch, calls } = fakeFetch([{ [CART]: 'from-server' }, {}, {}, {}]);
    const api = createSessionFetch({ headers: [CART], fetch, origins: ['http://localhost'] });
    await api('/a');
    await api('/b', { headers: { [CART]: 'explicit' } });
    expect(calls[1]?.headers.get(CART)).toBe('explicit');
    // Any casing, and a Headers object.
    await api('/c', { headers: new Headers({ [CART.toLowerCase()]: 'explicit-2' }) });
    expect(calls[2]?.headers.get(CART)).toBe('explicit-2');
    // Set on a Request passed as input.
    await api(new Request('http://localhost/d', { headers: { [CART]: 'on-request' } }));
    expect(calls[3]?.headers.get(CART)).toBe('on-request');
    // The stored value is untouched by explicit headers.
    expect(api.store.get(CART)).toBe('from-server');
  });

  it('sends and accepts session headers only for the page origin and trusted origins', async () => {
    const { fetch, calls } = fakeFetch([{ [CART]: 'ours' }, { [CART]: 'planted' }, {}, { [CART]: 'api' }]);
    const api = createSessionFetch({ headers: [CART], fetch, origins: ['https://api.example.com/'] });
    await api('/cart');
    // A third-party origin neither receives the token nor plants one.
    await api('https://evil.example/collect');
    expect(calls[1]?.headers.get(CART) ?? null).toBeNull();
    expect(api.store.get(CART)).toBe('ours');
    // A trusted origin does both.
    await api('https://api.example.com/cart');
    expect(calls[2]?.headers.get(CART)).toBe('ours');
    await api(new URL('https://api.example.com/cart'));
    expect(api.store.get(CART)).toBe('api');
  });

  it('keeps the caller’s other headers', async () => {
    const { fetch, calls } = fakeFetch([{ [CART]: 't' }, {}]);
    const api = createSessionFetch({ headers: [CART], fetch });
    await api('/a');
    await api('/b', { headers: [['Content-Type', 'application/json'], ['X-Trace', '1']] });
    expect(calls[1]?.headers.get('content-type')).toBe('application/json');
    expect(calls[1]?.headers.get('x-trace')).toBe('1');
    expect(calls[1]?.headers.get(CART)).toBe('t');
  });

  it('an empty header value from the server deletes the stored value', async () => {
    const { fetch, calls } = fakeFetch([{ [CART]: 'token-1' }, { [CART]: '' }, {}, {}]);
    const api = createSessionFetch({ headers: [CART], fetch });
    await api('/a');
    await api('/b');
    expect(calls[1]?.headers.get(CART)).toBe('token-1');
    expect(api.store.get(CART) ?? undefined).toBeUndefined();
    await api('/c');
    await api('/d');
    expect(calls[2]?.headers.has(CART)).toBe(false);
    expect(calls[3]?.headers.has(CART)).toBe(false);
  });

  it('a response without the header keeps the stored value', async () => {
    const { fetch, calls } = fakeFetch([{ [CART]: 'token-1' }, {}, { 'X-Unrelated': 'y' }, {}]);
    const api = createSessionFetch({ headers: [CART], fetch });
    for (const path of ['/a', '/b', '/c', '/d']) await api(path);
    expect(calls.slice(1).map((c) => c.headers.get(CART))).toEqual(['token-1', 'token-1', 'token-1']);
  });

  it('keeps the value through error responses that do not mention it', async () => {
    const { fetch, calls } = fakeFetch([
      { [CART]: 'token-1' },
      () => Response.json({ error: 'down' }, { status: 503 }),
      {},
    ]);
    const api = createSessionFetch({ headers: [CART], fetch });
    await api('/a');
    const failed = await api('/b');
    expect(failed.status).toBe(503);
    await api('/c');
    expect(calls[2]?.headers.get(CART)).toBe('token-1');
  });

  it('handles several header names independently', async () => {
    const { fetch, calls } = fakeFetch([
      { [CART]: 'cart-1' },
      { [USER]: 'user-1' },
      { [CART]: '' },
      { [USER]: 'user-2' },
      {},
    ]);
    const api = createSessionFetch({ headers: [CART, USER], fetch });
    for (const path of ['/1', '/2', '/3', '/4', '/5']) await api(path);
    const sent = calls.map((c) => [c.headers.get(CART), c.headers.get(USER)]);
    expect(sent).toEqual([
      [null, null],
      ['cart-1', null],
      ['cart-1', 'user-1'],
      [null, 'user-1'],
      [null, 'user-2'],
    ]);
  });

  it('uses a custom store { get, set, delete }', async () => {
    const values = new Map<string, string>([[CART, 'preloaded']]);
    const store: SessionHeaderStore = {
      get: vi.fn((name: string) => values.get(name)),
      set: vi.fn((name: string, value: string) => void values.set(name, value)),
      delete: vi.fn((name: string) => void values.delete(name)),
    };
    const { fetch, calls } = fakeFetch([{ [CART]: 'fresh' }, { [CART]: '' }, {}]);
    const api = createSessionFetch({ headers: [CART], fetch, store });
    expect(api.store).toBe(store);
    await api('/a');
    expect(calls[0]?.headers.get(CART)).toBe('preloaded');
    expect(store.set).toHaveBeenCalledWith(CART, 'fresh');
    await api('/b');
    expect(calls[1]?.headers.get(CART)).toBe('fresh');
    expect(store.delete).toHaveBeenCalledWith(CART);
    await api('/c');
    expect(calls[2]?.headers.has(CART)).toBe(false);
    expect(values.size).toBe(0);
  });

  it('a store returning null (Web Storage style) sends nothing', async () => {
    const store: SessionHeaderStore = { get: () => null, set: () => undefined, delete: () => undefined };
    const { fetch, calls } = fakeFetch([{}]);
    await createSessionFetch({ headers: [CART], fetch, store })('/a');
    expect(calls[0]?.headers.has(CART)).toBe(false);
  });

  it.each(['sessionStorage', 'localStorage'] as const)('%s falls back to memory when window is undefined', async (kind) => {
    expect(typeof window).toBe('undefined');
    const { fetch, calls } = fakeFetch([{ [CART]: 'tok' }, {}, { [CART]: '' }, {}]);
    const api = createSessionFetch({ headers: [CART], fetch, store: kind });
    for (const path of ['/a', '/b', '/c', '/d']) await api(path);
    expect(calls.map((c) => c.headers.get(CART))).toEqual([null, 'tok', 'tok', null]);
  });

  it('memory stores of two wrappers are separate', async () => {
    const one = fakeFetch([{ [CART]: 'one' }, {}]);
    const two = fakeFetch([{}]);
    const a = createSessionFetch({ headers: [CART], fetch: one.fetch });
    const b = createSessionFetch({ headers: [CART], fetch: two.fetch, store: 'memory' });
    await a('/x');
    await b('/y');
    expect(two.calls[0]?.headers.has(CART)).toBe(false);
  });

  it('uses the global fetch by default', async () => {
    const { fetch, calls } = fakeFetch([{ [CART]: 'g' }, {}]);
    vi.stubGlobal('fetch', fetch);
    const api = createSessionFetch({ headers: [CART] });
    await api('/a');
    await api('/b');
    expect(calls[1]?.headers.get(CART)).toBe('g');
  });

  it('throws TypeError without header names', () => {
    expect(() => createSessionFetch({ headers: [] })).toThrow(TypeError);
  });

  it('returns the very response from the underlying fetch', async () => {
    const response = new Response('body', { status: 201 });
    const api = createSessionFetch({ headers: [CART], fetch: (async () => response) as typeof fetch });
    expect(await api('/a')).toBe(response);
  });
});

describe('webStorageStore', () => {
  /** A minimal Web Storage; `failSet` makes setItem throw like a full quota. */
  function fakeWebStorage(failSet = false) {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => {
        if (failSet) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        data.set(k, v);
      },
      removeItem: (k: string) => void data.delete(k),
    } as unknown as Storage;
    return { data, storage };
  }

  it('uses window.sessionStorage under a key prefix when there is one', () => {
    const web = fakeWebStorage();
    vi.stubGlobal('window', { sessionStorage: web.storage });
    const store = webStorageStore('sessionStorage');
    store.set(CART, 'v');
    expect(web.data.get(`session-header:${CART}`)).toBe('v');
    expect(store.get(CART)).toBe('v');
    store.delete(CART);
    expect(web.data.size).toBe(0);
  });

  it('falls back to memory when touching Web Storage throws (disabled storage)', () => {
    vi.stubGlobal(
      'window',
      Object.defineProperty({}, 'localStorage', {
        get() {
          throw new DOMException('denied', 'SecurityError');
        },
      }),
    );
    const store = webStorageStore('localStorage');
    store.set(CART, 'v');
    expect(store.get(CART)).toBe('v');
    store.delete(CART);
    expect(store.get(CART) ?? undefined).toBeUndefined();
  });

  it('keeps the session for the page when the quota is exceeded', () => {
    const web = fakeWebStorage(true);
    vi.stubGlobal('window', { sessionStorage: web.storage });
    const store = webStorageStore('sessionStorage');
    store.set(CART, 'v');
    // The doc comment: "quota exceeded: keep the session for this page at least".
    expect(store.get(CART)).toBe('v');
  });

  it('a value kept in memory after a quota error is not shadowed by an older stored one', async () => {
    const web = fakeWebStorage();
    vi.stubGlobal('window', { sessionStorage: web.storage });
    // The server issues a token, then rotates it (regenerate after login); meanwhile the quota fills up.
    const { fetch, calls } = fakeFetch([{ [CART]: 'old' }, { [CART]: 'new' }, {}]);
    const api = createSessionFetch({ headers: [CART], fetch, store: 'sessionStorage' });
    await api('/a');
    web.storage.setItem = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    await api('/login');
    await api('/b');
    // Sending 'old' after a rotation means a dead session: the user is logged out.
    expect(calls[2]?.headers.get(CART)).toBe('new');
  });

  it('memoryStore get/set/delete', () => {
    const store = memoryStore();
    expect(store.get('a')).toBeUndefined();
    store.set('a', '1');
    expect(store.get('a')).toBe('1');
    store.delete('a');
    expect(store.get('a')).toBeUndefined();
  });
});

describe('jsonFetcher', () => {
  it('returns the JSON body on 2xx', async () => {
    const fetcher = jsonFetcher((async () => Response.json({ items: ['tea'] })) as typeof fetch);
    expect(await fetcher<{ items: string[] }>('/api/cart')).toEqual({ items: ['tea'] });
  });

  it('throws FetchError with the status and the { error } message on non-2xx', async () => {
    const body = { error: 'Authentication required.' };
    const fetcher = jsonFetcher((async () => Response.json(body, { status: 401 })) as typeof fetch);
    const error = await fetcher('/api/me').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FetchError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'FetchError', status: 401, message: 'Authentication required.', body });
  });

  it('falls back to the status line when the body has no { error } or is not JSON', async () => {
    const notJson = jsonFetcher((async () => new Response('<html>', { status: 502, statusText: 'Bad Gateway' })) as typeof fetch);
    await expect(notJson('/x')).rejects.toMatchObject({ status: 502, message: '502 Bad Gateway', body: undefined });
    const numeric = jsonFetcher((async () => Response.json({ error: 42 }, { status: 500 })) as typeof fetch);
    await expect(numeric('/x')).rejects.toMatchObject({ status: 500, message: expect.stringContaining('500') });
  });

  it('goes through the session fetch, so the session header travels', async () => {
    const { fetch, calls } = fakeFetch([
      () => new Response('{"n":1}', { headers: { [CART]: 'tok', 'content-type': 'application/json' } }),
      () => Response.json({ n: 2 }),
    ]);
    const api = createSessionFetch({ headers: [CART], fetch });
    const fetcher = jsonFetcher(api);
    expect(await fetcher('/a')).toEqual({ n: 1 });
    expect(await fetcher('/b')).toEqual({ n: 2 });
    expect(calls[1]?.headers.get(CART)).toBe('tok');
  });
});

describe('round trip through a real sessions.handler route', () => {
  interface Cart {
    items: string[];
  }

  function cartApp() {
    const storage = memoryStorage();
    const sessions = defineSessions({
      cart: header<Cart>({ name: CART, storage, transform: signed({ secret: SECRET }) }),
    });
    const route = sessions.handler(async (request, { session }) => {
      if (request.method === 'POST') {
        const { item } = (await request.json()) as { item: string };
        const cart = (await session.get('cart')) ?? { items: [] };
        await session.set('cart', { items: [...cart.items, item] });
        return Response.json(await session.get('cart'));
      }
      if (request.method === 'DELETE') {
        await session.clear('cart');
        return new Response(null, { status: 204 });
      }
      const cart = await session.get('cart');
      return cart ? Response.json(cart) : Response.json({ error: 'No cart.' }, { status: 404 });
    });
    const seen: Array<string | null> = [];
    const fetchToRoute = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(String(new URL(String(input), 'http://localhost')), init);
      seen.push(request.headers.get(CART));
      return route(request, {});
    }) as typeof fetch;
    return { fetchToRoute, seen };
  }

  it('a header cart round-trips and clears', async () => {
    const { fetchToRoute, seen } = cartApp();
    const api = createSessionFetch({ headers: [CART], fetch: fetchToRoute });
    const json = { 'content-type': 'application/json' };

    const first = await api('/api/header/cart', { method: 'POST', headers: json, body: JSON.stringify({ item: 'tea' }) });
    expect(await first.json()).toEqual({ items: ['tea'] });
    const token = first.headers.get(CART) as string;
    expect(token.split('.')).toHaveLength(3);
    expect(first.headers.get('access-control-expose-headers')).toContain(CART);
    expect(api.store.get(CART)).toBe(token);

    const second = await api('/api/header/cart', { method: 'POST', headers: json, body: JSON.stringify({ item: 'milk' }) });
    expect(await second.json()).toEqual({ items: ['tea', 'milk'] });
    // Same id: the signed token is the same.
    expect(second.headers.get(CART)).toBe(token);

    const read = await jsonFetcher(api)<{ items: string[] }>('/api/header/cart');
    expect(read).toEqual({ items: ['tea', 'milk'] });

    const cleared = await api('/api/header/cart', { method: 'DELETE' });
    expect(cleared.status).toBe(204);
    expect(cleared.headers.get(CART)).toBe('');
    expect(api.store.get(CART) ?? undefined).toBeUndefined();

    const after = await jsonFetcher(api)('/api/header/cart').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(after).toBeInstanceOf(FetchError);
    expect(after).toMatchObject({ status: 404, message: 'No cart.' });

    // What the server saw: nothing, token, token, token, nothing.
    expect(seen).toEqual([null, token, token, token, null]);

    // The old token is dead on the server even if a client replays it.
    const replay = await fetchToRoute('/api/header/cart', { headers: { [CART]: token } });
    expect(replay.status).toBe(404);
    expect(replay.headers.get(CART)).toBe('');
  });

  it('two browsers (two wrappers) keep separate carts', async () => {
    const { fetchToRoute } = cartApp();
    const alice = createSessionFetch({ headers: [CART], fetch: fetchToRoute });
    const bob = createSessionFetch({ headers: [CART], fetch: fetchToRoute });
    await alice('/cart', { method: 'POST', body: JSON.stringify({ item: 'tea' }) });
    await bob('/cart', { method: 'POST', body: JSON.stringify({ item: 'coffee' }) });
    expect(await (await alice('/cart')).json()).toEqual({ items: ['tea'] });
    expect(await (await bob('/cart')).json()).toEqual({ items: ['coffee'] });
  });
});
