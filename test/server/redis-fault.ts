/**
 * Redis killed under a running `next start`, then restarted:
 *
 * 1. sessions are made through the demo API (basket items, a header cart, a login) on a
 *    redis-server that fsyncs every write (`appendfsync always`);
 * 2. redis-server gets SIGKILL: every route that needs it answers 503 with Retry-After, and no
 *    answer drops the client's cookies or header (the by-value cookie session keeps working);
 * 3. redis-server restarts on the same port and directory: within `recoverWithinMs` the same
 *    cookies read the same data, with every acknowledged write there and none of the refused ones.
 */
import { ApiClient, type Answer, CART_HEADER } from './client.ts';
import type { RedisProcess } from './processes.ts';

type ItemsBody = { items: string[] };

export interface FaultReport {
  /** Step name -> milliseconds. */
  timings: Record<string, number>;
  outageAnswers: { route: string; status: number; retryAfter: string | null; ms: number }[];
  recoveredAfterMs: number;
}

/** Thrown with a message naming the broken expectation. */
export class FaultTestError extends Error {
  override name = 'FaultTestError';
}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new FaultTestError(message);
}

const sameItems = (a: string[], b: string[]) => a.length === b.length && a.every((item, i) => item === b[i]);

/** No Set-Cookie that ends or replaces a by-id session, and no cleared session header. */
function keepsClientState(answer: Answer, route: string): void {
  for (const line of answer.headers.getSetCookie()) {
    const name = line.slice(0, line.indexOf('=')).replace(/^__Host-/, '');
    expect(!['basket', 'auth'].includes(name), `${route} during the outage sent Set-Cookie for ${name}: ${line.slice(0, 60)}`);
  }
  expect(answer.headers.get(CART_HEADER) === null, `${route} during the outage sent ${CART_HEADER}.`);
}

export async function runRedisFault({ base, redis, recoverWithinMs = 10_000 }: { base: string; redis: RedisProcess; recoverWithinMs?: number }): Promise<FaultReport> {
  const browser = new ApiClient(base);
  try {
    return await scenario(browser, redis, recoverWithinMs);
  } finally {
    browser.close();
  }
}

async function scenario(browser: ApiClient, redis: RedisProcess, recoverWithinMs: number): Promise<FaultReport> {
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
  const t0 = performance.now();
  let basketAnswer: Answer<ItemsBody> | undefined;
  for (;;) {
    basketAnswer = await browser.request<ItemsBody>('GET', '/api/basket');
    if (basketAnswer.status === 200) break;
    expect(basketAnswer.status === 503, `GET /api/basket after the restart: ${basketAnswer.status}`);
    expect(performance.now() - t0 < recoverWithinMs, `the store was not back ${recoverWithinMs} ms after redis-server was.`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const recoveredAfterMs = Math.round(performance.now() - t0);
  expect(sameItems(basketAnswer.body.items, basket), `basket after the restart: ${JSON.stringify(basketAnswer.body.items)}, expected ${JSON.stringify(basket)}`);
  await time('reads after recovery', async () => {
    const cartAnswer = await browser.request<ItemsBody>('GET', '/api/header/cart');
    expect(cartAnswer.status === 200 && sameItems(cartAnswer.body.items, cart), `cart after the restart: ${cartAnswer.status} ${JSON.stringify(cartAnswer.body)}`);
    const me = await browser.request<{ user: string }>('GET', '/api/auth/me');
    expect(me.status === 200 && me.body.user === 'ada', `GET /api/auth/me after the restart: ${me.status}`);
    // Writes work again, on the same session.
    const more = await browser.request<ItemsBody>('POST', '/api/basket', { item: 'jam' });
    expect(more.status === 200 && sameItems(more.body.items, [...basket, 'jam']), `POST /api/basket after the restart: ${more.status} ${JSON.stringify(more.body)}`);
  });
  return { timings, outageAnswers, recoveredAfterMs };
}
