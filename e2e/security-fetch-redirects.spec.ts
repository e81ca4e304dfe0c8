/**
 * The fetch wrapper across redirects in real Chromium (issue 11, item 3). The test serves its own
 * origins on 127.0.0.1: the page's origin A (the wrapper, compiled from the package sources), an
 * attacker's origin B that plants its own token and allows any CORS request, and a trusted API
 * origin T (listed in `origins`) that redirects to B. A held X-Cart-Session never reaches B.
 */
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import ts from 'typescript';

// Pages load and hydrate slowly on a loaded CI machine; nothing here is timed.
test.describe.configure({ timeout: 90_000 });

const CART = 'x-cart-session';
const CLIENT_DIR = path.join(process.cwd(), 'lib/sessions-kit/src/client');

interface Seen {
  path: string;
  method: string;
  cart: string | undefined;
}

interface Origin {
  url: string;
  seen: Seen[];
  server: Server;
}

type Route = (req: IncomingMessage, res: ServerResponse) => void;

async function serve(routes: () => Record<string, Route>): Promise<Origin> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push({ path: pathname, method: req.method ?? '', cart: req.headers[CART] as string | undefined });
    const route = routes()[pathname] ?? (pathname.startsWith('/client/') ? routes()['/client/'] : undefined);
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

/** The package's client modules as browser JavaScript (type-only imports dropped, `.ts` paths kept). */
const clientModule: Route = (req, res) => {
  const file = path.basename(new URL(req.url ?? '/', 'http://x').pathname);
  if (!/^[a-z-]+\.ts$/.test(file)) return void res.writeHead(404).end();
  const source = readFileSync(path.join(CLIENT_DIR, file), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  });
  res.writeHead(200, { 'content-type': 'text/javascript' }).end(outputText);
};

const PAGE = `<!doctype html><meta charset="utf-8"><title>wrapper</title>
<script type="module">
  import { createSessionFetch } from '/client/session-fetch.ts';
  window.createSessionFetch = createSessionFetch;
  document.title = 'ready';
</script>`;

const redirect = (location: () => string): Route => (_req, res) => res.writeHead(302, { location: location() }).end();

/** CORS answers that let the page's origin send and read X-Cart-Session (what an attacker would allow). */
const cors = (origin: () => string) => ({
  'access-control-allow-origin': origin(),
  'access-control-allow-headers': CART,
  'access-control-expose-headers': CART,
  'access-control-allow-methods': 'GET, POST',
});

let a: Origin;
let b: Origin;
let t: Origin;

test.beforeAll(async () => {
  a = await serve(() => ({
    '/': (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE),
    '/client/': clientModule,
    '/issue': (_req, res) => res.writeHead(200, { [CART]: 'token-A' }).end('{}'),
    '/issue-new': (_req, res) => res.writeHead(200, { [CART]: 'token-NEW' }).end('{}'),
    '/to-a': redirect(() => '/issue-new'),
    '/to-b': redirect(() => `${b.url}/plant`),
  }));
  b = await serve(() => ({
    '/plant': (req, res) =>
      res.writeHead(req.method === 'OPTIONS' ? 204 : 200, { ...cors(() => a.url), [CART]: 'PLANTED' }).end(),
  }));
  t = await serve(() => ({
    '/api': (req, res) =>
      req.method === 'OPTIONS'
        ? res.writeHead(204, cors(() => a.url)).end()
        : res.writeHead(302, { ...cors(() => a.url), location: `${b.url}/plant` }).end(),
  }));
});

test.afterAll(async () => {
  await Promise.all([a, b, t].map((o) => new Promise((done) => o.server.close(done))));
});

test.beforeEach(async ({ page }) => {
  for (const o of [a, b, t]) o.seen.length = 0;
  await page.goto(a.url);
  await expect(page).toHaveTitle('ready');
});

/** Runs `steps` in the page with a wrapper that already holds token-A; returns what it holds after, and any rejection. */
async function inPage(page: import('@playwright/test').Page, target: string, origins: string[] = []) {
  return page.evaluate(
    async ({ target, origins }) => {
      type Api = ((url: string, init?: RequestInit) => Promise<Response>) & { store: { get(n: string): unknown } };
      const make = (window as unknown as { createSessionFetch: (o: object) => Api }).createSessionFetch;
      const api = make({ headers: ['X-Cart-Session'], origins });
      await api('/issue');
      let rejected: string | null = null;
      let status: number | null = null;
      try {
        status = (await api(target)).status;
      } catch (error) {
        rejected = (error as Error).name;
      }
      return { held: api.store.get('X-Cart-Session'), rejected, status };
    },
    { target, origins },
  );
}

test('a redirect within the page origin keeps working: the token travels and the new one is stored', async ({ page }) => {
  const result = await inPage(page, '/to-a');
  expect(result).toEqual({ held: 'token-NEW', rejected: null, status: 200 });
  const api = ['/issue', '/to-a', '/issue-new'];
  expect(a.seen.filter((s) => api.includes(s.path)).map((s) => [s.path, s.cart])).toEqual([
    ['/issue', undefined],
    ['/to-a', 'token-A'],
    ['/issue-new', 'token-A'],
  ]);
});

test('a same-origin route redirecting to another origin: the call rejects, the token never reaches it, PLANTED is not stored', async ({ page }) => {
  const result = await inPage(page, '/to-b');
  expect(result).toEqual({ held: 'token-A', rejected: 'TypeError', status: null });
  expect(a.seen.find((s) => s.path === '/to-b')?.cart).toBe('token-A');
  expect(b.seen.filter((s) => s.cart !== undefined)).toEqual([]);
});

test('a trusted API origin that redirects to a foreign one: the redirect is not followed with the token', async ({ page }) => {
  const result = await inPage(page, `${t.url}/api`, [t.url]);
  expect(result).toEqual({ held: 'token-A', rejected: 'TypeError', status: null });
  expect(t.seen.find((s) => s.method === 'GET')?.cart).toBe('token-A');
  expect(b.seen.filter((s) => s.cart !== undefined)).toEqual([]);
});

test('control: a bare fetch through the same redirect does hand the header to the foreign origin', async ({ page }) => {
  // What the wrapper used to do: this setup really leaks, so the tests above prove something.
  const planted = await page.evaluate(async () => {
    const response = await fetch('/to-b', { headers: { 'X-Cart-Session': 'token-A' } });
    return response.headers.get('X-Cart-Session');
  });
  expect(planted).toBe('PLANTED');
  expect(b.seen.some((s) => s.method === 'GET' && s.cart === 'token-A')).toBe(true);
});
