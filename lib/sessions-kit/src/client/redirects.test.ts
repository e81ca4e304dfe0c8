// @vitest-environment node
/**
 * The session fetch across redirects, against two real HTTP servers on 127.0.0.1: a trusted origin A
 * and a foreign origin B. A held header never reaches B, not even through a redirect from A, and a
 * header from a response that came from B (or through B) is never stored. Redirects within A work.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSessionFetch } from './session-fetch.ts';

const CART = 'X-Cart-Session';
const CREDENTIALS = { authorization: 'Bearer x', 'proxy-authorization': 'Basic eDp5', cookie: 'sid=1' };
const CREDENTIAL_NAMES = Object.keys(CREDENTIALS);

interface Seen {
  path: string;
  method: string;
  cart: string | undefined;
  /** Authorization, Proxy-Authorization and Cookie as they arrived (absent ones left out). */
  credentials: Record<string, string>;
  contentType: string | undefined;
  body: string;
}

interface Origin {
  url: string;
  seen: Seen[];
  server: Server;
}

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function startOrigin(routes: (origin: () => string) => Record<string, Route>): Promise<Origin> {
  const seen: Seen[] = [];
  let url = '';
  const table = routes(() => url);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push({
        path,
        method: req.method ?? '',
        cart: req.headers[CART.toLowerCase()] as string | undefined,
        credentials: Object.fromEntries(CREDENTIAL_NAMES.flatMap((n) => (typeof req.headers[n] === 'string' ? [[n, req.headers[n]]] : []))),
        contentType: req.headers['content-type'],
        body,
      });
      const route = table[path];
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      route(req, res, body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, server };
}

const redirect =
  (status: number, location: () => string): Route =>
  (_req, res) =>
    res.writeHead(status, { location: location() }).end();
const issue =
  (token: string): Route =>
  (_req, res) =>
    res.writeHead(200, { [CART]: token, 'content-type': 'application/json' }).end('{}');

let a: Origin;
let b: Origin;

beforeAll(async () => {
  b = await startOrigin(() => ({
    // The attacker's endpoint: plants its own token and lets any origin read it.
    '/plant': (_req, res) =>
      res
        .writeHead(200, { [CART]: 'PLANTED', 'access-control-expose-headers': CART, 'access-control-allow-origin': '*' })
        .end('{}'),
    '/back': redirect(302, () => `${a.url}/issue-new`),
    '/echo': (_req, res) => res.writeHead(200).end('{}'),
  }));
  a = await startOrigin((self) => ({
    '/issue': issue('token-A'),
    '/issue-new': issue('token-NEW'),
    '/echo': (_req, res) => res.writeHead(200).end('{}'),
    '/clear': issue(''),
    '/to-a': redirect(302, () => '/issue-new'),
    '/to-a-307': redirect(307, () => `${self()}/echo`),
    '/to-b': redirect(302, () => `${b.url}/plant`),
    '/to-b-307': redirect(307, () => `${b.url}/plant`),
    '/to-b-308': redirect(308, () => `${b.url}/plant`),
    '/to-b-303': redirect(303, () => `${b.url}/plant`),
    '/via-b': redirect(302, () => `${b.url}/back`),
    '/post-303': redirect(303, () => '/echo'),
    '/loop': redirect(302, () => '/loop'),
    '/to-file': redirect(302, () => 'file:///etc/passwd'),
    // `/hop?status=307&to=<url>`: a redirect with that status to that URL.
    '/hop': (req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      res.writeHead(Number(query.get('status')), { location: query.get('to') ?? '/' }).end();
    },
  }));
});

afterAll(async () => {
  await Promise.all([a, b].map((o) => new Promise((done) => o.server.close(done))));
});

beforeEach(() => {
  a.seen.length = 0;
  b.seen.length = 0;
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A wrapper trusting A only, already holding A's token. */
async function holding() {
  const api = createSessionFetch({ headers: [CART], origins: [a.url] });
  await api(`${a.url}/issue`);
  expect(api.store.get(CART)).toBe('token-A');
  a.seen.length = 0;
  return api;
}

describe('createSessionFetch across redirects (two real servers)', () => {
  it('a redirect within the trusted origin keeps working: the header travels and the final answer is stored', async () => {
    const api = await holding();
    const response = await api(`${a.url}/to-a`);
    expect(response.status).toBe(200);
    expect(a.seen.map((s) => [s.path, s.cart])).toEqual([
      ['/to-a', 'token-A'],
      ['/issue-new', 'token-A'],
    ]);
    expect(api.store.get(CART)).toBe('token-NEW');
  });

  it('a 307 within the origin repeats the method and the body, header included', async () => {
    const api = await holding();
    await api(`${a.url}/to-a-307`, { method: 'POST', body: '{"item":"tea"}', headers: { 'content-type': 'application/json' } });
    expect(a.seen[1]).toMatchObject({ path: '/echo', method: 'POST', cart: 'token-A', body: '{"item":"tea"}' });
  });

  it('a Request with a body is replayed on a 307', async () => {
    const api = await holding();
    await api(new Request(`${a.url}/to-a-307`, { method: 'PUT', body: 'payload' }));
    expect(a.seen[1]).toMatchObject({ path: '/echo', method: 'PUT', cart: 'token-A', body: 'payload' });
  });

  it.each([302, 303, 307, 308])('a %i from the trusted origin to a foreign one: the token never arrives there, PLANTED is not stored', async (status) => {
    const api = await holding();
    const path = status === 302 ? '/to-b' : `/to-b-${status}`;
    const response = await api(`${a.url}${path}`, { method: 'POST', body: 'x' });
    expect(response.headers.get(CART)).toBe('PLANTED'); // the caller still gets the answer…
    expect(b.seen).toHaveLength(1);
    expect(b.seen[0]?.cart).toBeUndefined(); // …but the foreign origin never saw the token
    expect(api.store.get(CART)).toBe('token-A'); // …and could not plant its own
    const after = await api(`${a.url}/echo`);
    expect(after.status).toBe(200);
    expect(a.seen.at(-1)?.cart).toBe('token-A');
  });

  it('a chain A → B → A: the last hop was chosen by B, so it gets no token and its header is not stored', async () => {
    const api = await holding();
    await api(`${a.url}/via-b`);
    expect(b.seen.map((s) => s.cart)).toEqual([undefined]);
    expect(a.seen.map((s) => [s.path, s.cart])).toEqual([
      ['/via-b', 'token-A'],
      ['/issue-new', undefined],
    ]);
    expect(api.store.get(CART)).toBe('token-A');
  });

  it('an explicit header set by the caller is not forwarded to a foreign hop either', async () => {
    const api = await holding();
    await api(`${a.url}/to-b`, { headers: { [CART]: 'explicit' } });
    expect(a.seen[0]?.cart).toBe('explicit');
    expect(b.seen[0]?.cart).toBeUndefined();
  });

  it('a request straight to a foreign origin carries nothing and stores nothing', async () => {
    const api = await holding();
    await api(`${b.url}/plant`);
    expect(b.seen[0]?.cart).toBeUndefined();
    expect(api.store.get(CART)).toBe('token-A');
  });

  it('303 after a POST becomes a GET without a body or its content headers', async () => {
    const api = await holding();
    await api(`${a.url}/post-303`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
    expect(a.seen[1]).toMatchObject({ path: '/echo', method: 'GET', body: '', contentType: undefined, cart: 'token-A' });
  });

  it('more than 20 redirects reject with TypeError, as fetch does', async () => {
    const api = await holding();
    await expect(api(`${a.url}/loop`)).rejects.toBeInstanceOf(TypeError);
    expect(a.seen).toHaveLength(21);
  });

  it('a redirect to a non-HTTP scheme rejects', async () => {
    const api = await holding();
    await expect(api(`${a.url}/to-file`)).rejects.toBeInstanceOf(TypeError);
  });

  it("the caller's own redirect: 'manual' gets the 3xx back, unfollowed", async () => {
    const api = await holding();
    const response = await api(`${a.url}/to-b`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(b.seen).toHaveLength(0);
  });

  it('the empty-header clear signal still works through the redirect-checked path', async () => {
    const api = await holding();
    await api(`${a.url}/clear`);
    expect(api.store.get(CART) ?? undefined).toBeUndefined();
  });
});

describe('createSessionFetch in a page (browser semantics)', () => {
  const page = 'https://app.example';

  it("same-origin requests go out with mode: 'same-origin', so the browser refuses hops to other origins", async () => {
    vi.stubGlobal('location', { origin: page });
    const calls: RequestInit[] = [];
    const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      calls.push(init ?? {});
      return new Response('{}', { headers: { [CART]: 't' } });
    }) as typeof globalThis.fetch;
    const api = createSessionFetch({ headers: [CART], fetch });
    await api('/api/header/cart');
    await api(new Request(`${page}/api/header/cart`));
    expect(calls.map((c) => [c.mode, c.redirect])).toEqual([
      ['same-origin', undefined],
      ['same-origin', undefined],
    ]);
    expect(new Headers(calls[1]?.headers).get(CART)).toBe('t');
  });

  it('a response whose own URL is on another origin is not stored', async () => {
    vi.stubGlobal('location', { origin: page });
    const fetch = (async () => {
      const response = new Response('{}', { headers: { [CART]: 'PLANTED' } });
      Object.defineProperty(response, 'url', { value: 'https://evil.example/plant' });
      return response;
    }) as typeof globalThis.fetch;
    const api = createSessionFetch({ headers: [CART], fetch });
    await api('/api/header/cart');
    expect(api.store.get(CART) ?? undefined).toBeUndefined();
  });

  it('a trusted other origin that redirects (opaque in browsers) rejects with TypeError and stores nothing', async () => {
    vi.stubGlobal('location', { origin: page });
    const calls: RequestInit[] = [];
    const fetch = (async (_input: RequestInfo | URL, init?: RequestInit) => {
      calls.push(init ?? {});
      const response = new Response(null, { status: 200 });
      Object.defineProperty(response, 'type', { value: 'opaqueredirect' });
      return response;
    }) as typeof globalThis.fetch;
    const api = createSessionFetch({ headers: [CART], fetch, origins: ['https://api.example'] });
    api.store.set(CART, 'held');
    await expect(api('https://api.example/cart')).rejects.toBeInstanceOf(TypeError);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.redirect).toBe('manual');
    expect(api.store.get(CART)).toBe('held');
  });
});

describe('the caller\'s credentials across redirects (Fetch standard, two real servers)', () => {
  const STATUSES = [301, 302, 303, 307, 308];
  const hop = (status: number, to: string) => `${a.url}/hop?status=${status}&to=${encodeURIComponent(to)}`;
  /** A's own port under another host name: a different origin on the same server. */
  const aByName = () => a.url.replace('127.0.0.1', 'localhost');

  describe.each(STATUSES)('a %i', (status) => {
    it('to another origin in `origins` (another port, or the same port by another name): no Authorization, Proxy-Authorization or Cookie there; the session header still goes', async () => {
      const api = createSessionFetch({ headers: [CART], origins: [a.url, b.url, aByName()] });
      api.store.set(CART, 'token-A');
      for (const target of [`${b.url}/echo`, `${aByName()}/echo`]) {
        a.seen.length = 0;
        b.seen.length = 0;
        const response = await api(hop(status, target), { headers: CREDENTIALS });
        expect(response.status).toBe(200);
        const landed = [...a.seen, ...b.seen].filter((s) => s.path === '/echo');
        expect(a.seen[0]).toMatchObject({ path: '/hop', credentials: CREDENTIALS });
        expect(landed).toHaveLength(1);
        expect(landed[0]?.credentials, target).toEqual({});
        expect(landed[0]?.cart, target).toBe('token-A');
      }
    });

    it('to an untrusted origin: neither the credentials nor the session header arrive, and its session header is not stored', async () => {
      const api = createSessionFetch({ headers: [CART], origins: [a.url] });
      api.store.set(CART, 'token-A');
      await api(hop(status, `${b.url}/plant`), { headers: CREDENTIALS });
      expect(b.seen.map((s) => [s.credentials, s.cart])).toEqual([[{}, undefined]]);
      expect(api.store.get(CART)).toBe('token-A');
    });

    it('within the same origin: the credentials stay', async () => {
      const api = createSessionFetch({ headers: [CART], origins: [a.url] });
      await api(hop(status, '/echo'), { headers: CREDENTIALS });
      expect(a.seen.map((s) => [s.path, s.credentials])).toEqual([
        ['/hop', CREDENTIALS],
        ['/echo', CREDENTIALS],
      ]);
    });
  });

  it('once dropped they stay dropped: A → B → A arrives back at A without them', async () => {
    const api = createSessionFetch({ headers: [CART], origins: [a.url, b.url] });
    await api(new Request(hop(302, `${b.url}/back`), { headers: CREDENTIALS }));
    expect(a.seen.map((s) => [s.path, s.credentials])).toEqual([
      ['/hop', CREDENTIALS],
      ['/issue-new', {}],
    ]);
    expect(b.seen[0]?.credentials).toEqual({});
  });

  it('a relative first URL (no page) counts as one origin with its relative hops', async () => {
    const seen: Array<[string, string | null]> = [];
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      seen.push([url, new Headers(init?.headers).get('authorization')]);
      if (url === '/start') return new Response(null, { status: 302, headers: { location: '/next' } });
      if (url === '/next') return new Response(null, { status: 307, headers: { location: `${b.url}/echo` } });
      return new Response('{}');
    }) as typeof globalThis.fetch;
    const api = createSessionFetch({ headers: [CART], fetch, origins: [b.url] });
    await api('/start', { headers: { authorization: 'Bearer x' } });
    expect(seen).toEqual([
      ['/start', 'Bearer x'],
      ['/next', 'Bearer x'],
      [`${b.url}/echo`, null],
    ]);
  });
});
