/**
 * Redis killed, then frozen, under a running `next start`:
 *
 * 1. sessions are made through the demo API (basket items, a header cart, a login) on a
 *    redis-server that fsyncs every write (`appendfsync always`);
 * 2. redis-server gets SIGKILL: every route that needs it answers 503 with Retry-After, and no
 *    answer drops the client's cookies or header (the by-value cookie session keeps working);
 * 3. redis-server restarts on the same port and directory: within `recoverWithinMs` the same
 *    cookies read the same data, with every acknowledged write there and none of the refused ones;
 * 4. redis-server gets SIGSTOP (alive, connections open, no answer: a partition without RST):
 *    the by-id routes answer 503 within the storage's command timeout (+ slack), a page through
 *    `proxy.ts` (two reads) answers an error within twice that, cookies and header kept; after
 *    SIGCONT the same cookies read the same data.
 */
import { createConnection } from 'node:net';
import { ApiClient, type Answer, CART_HEADER } from './client.ts';
import type { RedisProcess } from './processes.ts';

type ItemsBody = { items: string[] };

type Observed = { route: string; status: number; retryAfter: string | null; ms: number };

export interface FaultReport {
  /** Step name -> milliseconds. */
  timings: Record<string, number>;
  outageAnswers: Observed[];
  recoveredAfterMs: number;
  freezeAnswers: Observed[];
  /** From SIGCONT to the first 200 of `GET /api/basket`. */
  thawedAfterMs: number;
}

/** The demo's Redis command timeout (the storage's default), and what an answer may take beyond it here. */
const COMMAND_TIMEOUT_MS = 2_000;
const SLACK_MS = 1_500;

/** Thrown with a message naming the broken expectation. */
export class FaultTestError extends Error {
  override name = 'FaultTestError';
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new FaultTestError(message);
}

const sameItems = (a: string[], b: string[]) => a.length === b.length && a.every((item, i) => item === b[i]);

/** The pid of the redis-server on `port`, as it reports it (`INFO server`): the process to freeze. */
function redisPid(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (error?: Error, pid?: number) => {
      socket.destroy();
      if (pid === undefined) reject(error);
      else resolve(pid);
    };
    socket.setTimeout(2_000, () => done(new FaultTestError(`redis-server on ${port} did not answer INFO.`)));
    socket.once('error', done);
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      reply += chunk;
      const pid = /process_id:(\d+)/.exec(reply)?.[1];
      if (pid) done(undefined, Number(pid));
    });
  });
}

/** Asks until `GET /api/basket` answers 200 (503 meanwhile), within `withinMs`; how long that took. */
async function untilBack(browser: ApiClient, withinMs: number, what: string): Promise<{ answer: Answer<ItemsBody>; ms: number }> {
  const t0 = performance.now();
  for (;;) {
    const answer = await browser.request<ItemsBody>('GET', '/api/basket');
    if (answer.status === 200) return { answer, ms: Math.round(performance.now() - t0) };
    expect(answer.status === 503, `GET /api/basket ${what}: ${answer.status}`);
    expect(performance.now() - t0 < withinMs, `the store was not back ${withinMs} ms ${what}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** No Set-Cookie that ends or replaces a by-id session, and no cleared session header. */
function keepsClientState(answer: Answer, route: string): void {
  for (const line of answer.headers.getSetCookie()) {
    const name = line.slice(0, line.indexOf('=')).replace(/^__Host-/, '');
    expect(!['basket', 'auth'].includes(name), `${route} during the outage sent Set-Cookie for ${name}: ${line.slice(0, 60)}`);
  }
  expect(answer.headers.get(CART_HEADER) === null, `${route} during the outage sent ${CART_HEADER}.`);
}

/** How the store is frozen and thawed (default: SIGSTOP / SIGCONT of the redis-server), and how long one bounded read may take. */
export interface FreezeOptions {
  freeze?: { stop(): void | Promise<void>; resume(): void | Promise<void> };
  readBoundMs?: number;
}

export async function runRedisFault({
  base,
  redis,
  recoverWithinMs = 10_000,
  ...options
}: { base: string; redis: RedisProcess; recoverWithinMs?: number } & FreezeOptions): Promise<FaultReport> {
  const browser = new ApiClient(base);
  try {
    return await scenario(browser, redis, recoverWithinMs, options);
  } finally {
    browser.close();
  }
}

async function scenario(browser: ApiClient, redis: RedisProcess, recoverWithinMs: number, options: FreezeOptions): Promise<FaultReport> {
  const timings: Record<string, number> = {};
  const time = async <T>(step: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      timings[step] = Math.round(performance.now() - t0);
    }
  };

  // 1. Sessions on Redis.
  const basket: string[] = [];
  const cart: string[] = [];
  await time('create sessions', async () => {
    for (const item of ['tea', 'milk', 'bread']) {
      const answer = await browser.request<ItemsBody>('POST', '/api/basket', { item });
      expect(answer.status === 200, `POST /api/basket before the outage: ${answer.status}`);
      basket.push(item);
    }
    for (const item of ['pen', 'ink']) {
      const answer = await browser.request<ItemsBody>('POST', '/api/header/cart', { item });
      expect(answer.status === 200, `POST /api/header/cart before the outage: ${answer.status}`);
      cart.push(item);
    }
    const login = await browser.request('POST', '/api/auth/login', { username: 'ada', password: 'ada' });
    expect(login.status === 200, `login before the outage: ${login.status}`);
    const cookie = await browser.request('POST', '/api/cookie', { name: 'ada' });
    expect(cookie.status === 200, `POST /api/cookie: ${cookie.status}`);
  });
  const cookiesBefore = new Map(browser.cookies);
  const headerBefore = browser.cartHeader;
  expect(browser.cookie('basket') && browser.cookie('auth') && headerBefore, 'the sessions did not reach the client.');

  // 2. SIGKILL, then every Redis-backed route answers 503 with Retry-After and leaves the client's state alone.
  await time('kill redis-server', () => redis.kill());
  const outageAnswers: FaultReport['outageAnswers'] = [];
  const refused = 'refused-during-outage';
  await time('outage answers', async () => {
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/basket'],
      ['POST', '/api/basket', { item: refused }],
      ['GET', '/api/header/cart'],
      ['POST', '/api/header/cart', { item: refused }],
      ['GET', '/api/auth/me'],
      ['DELETE', '/api/basket'],
    ];
    for (const [method, path, body] of calls) {
      const route = `${method} ${path}`;
      const answer = await browser.request(method, path, body);
      outageAnswers.push({ route, status: answer.status, retryAfter: answer.headers.get('retry-after'), ms: Math.round(answer.ms) });
      expect(answer.status === 503, `${route} during the outage: ${answer.status}, expected 503`);
      expect(answer.headers.get('retry-after'), `${route} during the outage: no Retry-After`);
      keepsClientState(answer, route);
      // Bounded: the storage's timeouts (2 s) and not a hang.
      expect(answer.ms < 5_000, `${route} during the outage took ${Math.round(answer.ms)} ms`);
    }
    // The encrypted cookie session needs no storage: it keeps working.
    const counter = await browser.request<{ session: { count: number } | null }>('PATCH', '/api/cookie');
    expect(counter.status === 200 && counter.body.session?.count === 1, `PATCH /api/cookie during the outage: ${counter.status}`);
  });
  for (const name of ['basket', 'auth']) {
    expect(browser.cookie(name) === [...cookiesBefore].find(([wire]) => wire.replace(/^__Host-/, '') === name)?.[1], `the ${name} cookie changed during the outage.`);
  }
  expect(browser.cartHeader === headerBefore, `the ${CART_HEADER} header changed during the outage.`);

  // 3. Restart on the same port and directory; the same cookies read the same data within the bound.
  await time('restart redis-server', () => redis.restart());
  const { answer: basketAnswer, ms: recoveredAfterMs } = await untilBack(browser, recoverWithinMs, 'after the restart');
  expect(sameItems(basketAnswer.body.items, basket), `basket after the restart: ${JSON.stringify(basketAnswer.body.items)}, expected ${JSON.stringify(basket)}`);
  await time('reads after recovery', async () => {
    const cartAnswer = await browser.request<ItemsBody>('GET', '/api/header/cart');
    expect(cartAnswer.status === 200 && sameItems(cartAnswer.body.items, cart), `cart after the restart: ${cartAnswer.status} ${JSON.stringify(cartAnswer.body)}`);
    const me = await browser.request<{ user: string }>('GET', '/api/auth/me');
    expect(me.status === 200 && me.body.user === 'ada', `GET /api/auth/me after the restart: ${me.status}`);
    // Writes work again, on the same session.
    const more = await browser.request<ItemsBody>('POST', '/api/basket', { item: 'jam' });
    expect(more.status === 200 && sameItems(more.body.items, [...basket, 'jam']), `POST /api/basket after the restart: ${more.status} ${JSON.stringify(more.body)}`);
    basket.push('jam');
  });

  // 4. SIGSTOP: Redis holds its connections and answers nothing. Reads only: a change sent
  // before its timeout may still run once Redis thaws, which would blur "the same data after".
  const pid = options.freeze ? 0 : await redisPid(redis.port);
  const freeze = options.freeze ?? { stop: () => void process.kill(pid, 'SIGSTOP'), resume: () => void process.kill(pid, 'SIGCONT') };
  const readBoundMs = options.readBoundMs ?? COMMAND_TIMEOUT_MS + SLACK_MS;
  const freezeAnswers: Observed[] = [];
  const cookiesBeforeFreeze = new Map(browser.cookies);
  await freeze.stop();
  try {
    await time('freeze answers', async () => {
      // The storage reads each answer waits for: proxy.ts reads the auth session, then the page does.
      const calls: [string, string, number][] = [
        ['GET', '/api/basket', 1],
        ['GET', '/api/auth/me', 1],
        ['GET', '/api/header/cart', 1],
        ['GET', '/account', 2],
      ];
      for (const [method, path, reads] of calls) {
        const route = `${method} ${path}`;
        const answer = await browser.request(method, path);
        freezeAnswers.push({ route, status: answer.status, retryAfter: answer.headers.get('retry-after'), ms: Math.round(answer.ms) });
        const boundMs = reads * readBoundMs;
        expect(answer.ms < boundMs, `${route} with Redis frozen took ${Math.round(answer.ms)} ms (bound ${boundMs} ms)`);
        if (path.startsWith('/api/')) {
          expect(answer.status === 503, `${route} with Redis frozen: ${answer.status}, expected 503`);
          expect(answer.headers.get('retry-after'), `${route} with Redis frozen: no Retry-After`);
        } else {
          // Neither the page (200) nor "logged out" (a redirect to the login page).
          expect(answer.status >= 400, `${route} with Redis frozen: ${answer.status}, expected an error page`);
        }
        keepsClientState(answer, route);
      }
      const counter = await browser.request<{ session: { count: number } | null }>('PATCH', '/api/cookie');
      expect(counter.status === 200 && counter.body.session?.count === 2, `PATCH /api/cookie with Redis frozen: ${counter.status}`);
    });
  } finally {
    await freeze.resume();
  }
  for (const [name, value] of cookiesBeforeFreeze) {
    if (['basket', 'auth'].includes(name.replace(/^__Host-/, ''))) expect(browser.cookies.get(name) === value, `the ${name} cookie changed while Redis was frozen.`);
  }
  expect(browser.cartHeader === headerBefore, `the ${CART_HEADER} header changed while Redis was frozen.`);

  // 5. Thawed: the same cookies read the same data.
  const { answer: thawed, ms: thawedAfterMs } = await untilBack(browser, recoverWithinMs, 'after SIGCONT');
  expect(sameItems(thawed.body.items, basket), `basket after the thaw: ${JSON.stringify(thawed.body.items)}, expected ${JSON.stringify(basket)}`);
  await time('reads after the thaw', async () => {
    const cartAnswer = await browser.request<ItemsBody>('GET', '/api/header/cart');
    expect(cartAnswer.status === 200 && sameItems(cartAnswer.body.items, cart), `cart after the thaw: ${cartAnswer.status} ${JSON.stringify(cartAnswer.body)}`);
    const me = await browser.request<{ user: string }>('GET', '/api/auth/me');
    expect(me.status === 200 && me.body.user === 'ada', `GET /api/auth/me after the thaw: ${me.status}`);
  });
  return { timings, outageAnswers, recoveredAfterMs, freezeAnswers, thawedAfterMs };
}
