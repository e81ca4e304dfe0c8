/**
 * The demo's Route Handlers, called directly with Request objects: schemas turn authentic data of
 * the wrong shape into "no session", bodies are capped, changes go through update(), anonymous
 * records never touch the login store, and every answer keeps its documented shape.
 */
import { DEMO_DIR, call, mint, mintCartHeader } from './demo-env.testutil';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as basket from '@/app/api/basket/route';
import * as cookieRoute from '@/app/api/cookie/route';
import * as cart from '@/app/api/header/cart/route';
import * as ktor from '@/app/api/ktor/route';
import * as login from '@/app/api/auth/login/route';
import * as me from '@/app/api/auth/me/route';
import { MAX_BODY_BYTES } from './http';
import { MAX_ITEMS } from './schemas';
import { sessions } from './sessions';

const json = (value: unknown) => JSON.stringify(value);
const cookieFrom = (response: Response, name: string) => {
  const line = response.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
  return line ? line.slice(0, line.indexOf(';')) : undefined;
};

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile() && entry.name.endsWith('.session')) n++;
  }
  return n;
}

describe('authentic data of the wrong shape reads as no session (schemas)', () => {
  it('user_session with count "x": PATCH /api/cookie is a 401, GET reads null, never a 500', async () => {
    for (const bad of [{ name: 'ada', count: 'x' }, { name: 'ada' }, { name: '', count: 1 }, [], 'ada', null, { name: 'ada', count: -1 }]) {
      const cookie = await mint('user_session', bad);
      const patched = await call(cookieRoute.PATCH, 'PATCH', { cookie });
      expect(patched.status, JSON.stringify(bad)).toBe(401);
      const read = await call(cookieRoute.GET, 'GET', { cookie });
      expect(await read.json()).toEqual({ session: null });
    }
  });

  it('a well-shaped user_session still counts up through update()', async () => {
    const cookie = await mint('user_session', { name: 'ada', count: 41 });
    const patched = await call(cookieRoute.PATCH, 'PATCH', { cookie });
    expect(await patched.json()).toEqual({ session: { name: 'ada', count: 42 } });
    const next = cookieFrom(patched, 'user_session');
    const again = await call(cookieRoute.PATCH, 'PATCH', { cookie: next });
    expect(await again.json()).toEqual({ session: { name: 'ada', count: 43 } });
  });

  it('a stored basket or cart of the wrong shape reads as empty, and POST starts a fresh one', async () => {
    const cookie = await mint('basket', { items: 'tea' });
    expect(await (await call(basket.GET, 'GET', { cookie })).json()).toEqual({ items: [] });
    const added = await call(basket.POST, 'POST', { cookie, body: json({ item: 'jam' }) });
    expect(added.status).toBe(200);
    expect(await added.json()).toEqual({ items: ['jam'] });

    const token = await mintCartHeader({ items: [1, 2] });
    const read = await call(cart.GET, 'GET', { headers: { 'X-Cart-Session': token } });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ items: [] });
  });

  it('a stored login of the wrong shape is a 401 on /api/auth/me', async () => {
    const cookie = await mint('auth', { user: 42 });
    expect((await call(me.GET, 'GET', { cookie })).status).toBe(401);
  });
});

describe('request bodies are capped at 16 KB', () => {
  const big = json({ item: 'x'.repeat(MAX_BODY_BYTES) });

  it.each([
    ['POST /api/cookie', cookieRoute.POST],
    ['POST /api/basket', basket.POST],
    ['POST /api/header/cart', cart.POST],
    ['POST /api/auth/login', login.POST],
    ['POST /api/ktor', ktor.POST],
  ])('%s answers 413 { error } over the limit', async (_label, handler) => {
    const response = await call(handler, 'POST', { body: big });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: expect.any(String) });
  });

  it('a body of exactly 16 KB is read (then judged on its content)', async () => {
    const name = 'n';
    const padding = ' '.repeat(MAX_BODY_BYTES - json({ name }).length);
    const response = await call(cookieRoute.POST, 'POST', { body: json({ name }) + padding });
    expect(response.status).toBe(200);
  });
});

describe('the documented answer shapes (DESIGN §5)', () => {
  it('cookie: POST starts { name, count: 0 }, DELETE answers { session: null }; bad JSON and a missing field are 400', async () => {
    const started = await call(cookieRoute.POST, 'POST', { body: json({ name: 'ada' }) });
    expect(await started.json()).toEqual({ session: { name: 'ada', count: 0 } });
    expect(await (await call(cookieRoute.DELETE, 'DELETE')).json()).toEqual({ session: null });
    expect((await call(cookieRoute.POST, 'POST', { body: '{' })).status).toBe(400);
    expect((await call(cookieRoute.POST, 'POST', { body: json({}) })).status).toBe(400);
    expect((await call(cookieRoute.POST, 'POST', { body: Uint8Array.of(0x7b, 0xff, 0x7d) })).status).toBe(400);
  });

  it('basket: adds through update() up to the cap, then a 400 that changes nothing', async () => {
    let cookie = await mint('basket', { items: Array.from({ length: MAX_ITEMS - 1 }, (_, i) => `i${i}`) });
    const last = await call(basket.POST, 'POST', { cookie, body: json({ item: 'last' }) });
    expect((await last.json()).items).toHaveLength(MAX_ITEMS);
    cookie = cookieFrom(last, 'basket') ?? cookie;
    const full = await call(basket.POST, 'POST', { cookie, body: json({ item: 'one too many' }) });
    expect(full.status).toBe(400);
    expect(await full.json()).toEqual({ error: expect.any(String) });
    expect((await (await call(basket.GET, 'GET', { cookie })).json()).items).toHaveLength(MAX_ITEMS);
  });

  it('header cart: POST appends, the token comes back in X-Cart-Session, DELETE empties', async () => {
    const first = await call(cart.POST, 'POST', { body: json({ item: 'tea' }) });
    expect(await first.json()).toEqual({ items: ['tea'] });
    const token = first.headers.get('X-Cart-Session') ?? '';
    const second = await call(cart.POST, 'POST', { headers: { 'X-Cart-Session': token }, body: json({ item: 'milk' }) });
    expect(await second.json()).toEqual({ items: ['tea', 'milk'] });
    const cleared = await call(cart.DELETE, 'DELETE', { headers: { 'X-Cart-Session': token } });
    expect(await cleared.json()).toEqual({ items: [] });
  });
});

describe('changes go through update(): concurrent adds through one session all land', () => {
  it('20 parallel POST /api/basket with one basket cookie keep all 21 items', async () => {
    const first = await call(basket.POST, 'POST', { body: json({ item: 'first' }) });
    const cookie = cookieFrom(first, 'basket');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call(basket.POST, 'POST', { cookie, body: json({ item: `item-${i}` }) })),
    );
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const items: string[] = (await (await call(basket.GET, 'GET', { cookie })).json()).items;
    expect(items).toHaveLength(21);
    expect(new Set(items).size).toBe(21);
  });

  it('20 parallel POST /api/header/cart with one token keep all 21 items', async () => {
    const first = await call(cart.POST, 'POST', { body: json({ item: 'first' }) });
    const token = first.headers.get('X-Cart-Session') ?? '';
    const headers = { 'X-Cart-Session': token };
    await Promise.all(Array.from({ length: 20 }, (_, i) => call(cart.POST, 'POST', { headers, body: json({ item: `item-${i}` }) })));
    expect((await (await call(cart.GET, 'GET', { headers })).json()).items).toHaveLength(21);
  });
});

describe('anonymous records cannot crowd out logins', () => {
  it('a flood of anonymous baskets and carts lands only in the anonymous store; the login keeps working', async () => {
    const loggedIn = await call(login.POST, 'POST', { body: json({ username: 'ada', password: 'ada' }) });
    expect(loggedIn.status).toBe(200);
    const auth = cookieFrom(loggedIn, 'auth');
    const accountsBefore = await countFiles(path.join(DEMO_DIR, 'accounts'));
    const anonymousBefore = await countFiles(path.join(DEMO_DIR, 'anonymous'));

    const flood = 60;
    for (let i = 0; i < flood; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) =>
          call(j % 2 ? basket.POST : cart.POST, 'POST', { body: json({ item: `flood-${i + j}` }) }),
        ),
      );
    }
    expect(await countFiles(path.join(DEMO_DIR, 'accounts'))).toBe(accountsBefore);
    expect(await countFiles(path.join(DEMO_DIR, 'anonymous'))).toBeGreaterThanOrEqual(anonymousBefore + flood);
    const who = await call(me.GET, 'GET', { cookie: auth });
    expect(await who.json()).toMatchObject({ user: 'ada' });
  });
});

describe('cookie names', () => {
  it('development and tests keep the plain names; the header session keeps its header name', () => {
    expect(sessions.names.map((n) => sessions.describe(n).wireName)).toEqual([
      'user_session',
      'basket',
      'X-Cart-Session',
      'auth',
      'prefs',
      'ktor_session',
    ]);
  });
});
