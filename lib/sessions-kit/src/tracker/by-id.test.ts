/**
 * Sessions kept by id (a session defined with `storage`), through requests:
 * Ktor's tracker tests, ids at rest, records bound to their session, and
 * header sessions with a signed id.
 */
import { describe, expect, it, vi } from 'vitest';
import { type Sessions, cookie, defineSessions, header, signed } from '../index.ts';
import {
  SECRET,
  cookieHeaderFrom,
  decodeJsonSegment,
  exchange,
  flipBitInSegment,
  fromB64url,
  makeRequest,
  replaceSegment,
  setCookieFor,
  setCookies,
  wireValue,
} from '../../test/helpers.ts';
import { type Cart, ID_SHAPE, type User, expectClears, newSession } from '../../test/by-id.ts';
import { newSessionId } from './record.ts';
import { keyOf, spyStorage } from '../../test/spy-storage.ts';

describe('Ktor: session tracker by id', () => {
  function setup() {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    return { spy, sessions };
  }

  it('resolves the data from a correct id', async () => {
    const { sessions, spy } = setup();
    const id = await newSession(sessions, 's', { id: 'u1', name: 'Ann' });
    expect(spy.map.has(keyOf(id))).toBe(true);
    const { response, result } = await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'u1', name: 'Ann' });
    // Nothing changed: no Set-Cookie.
    expect(setCookies(response)).toEqual([]);
  });

  it('does not resolve "bad" + id, and clears the cookie', async () => {
    const { sessions, spy } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    const readsBefore = spy.calls.read;
    const { response, result } = await exchange(sessions, { cookies: { s: `bad${id}` } }, (s) => s.get('s'));
    expect(result).toBeUndefined();
    expectClears(response, 's');
    // Malformed: refused before storage.
    expect(spy.calls.read).toBe(readsBefore);
    // The real session is untouched.
    expect(spy.map.has(keyOf(id))).toBe(true);
  });

  it('an unknown well-formed id + set mints a NEW id (never adopts one the server did not issue)', async () => {
    const { sessions, spy } = setup();
    const planted = 'A'.repeat(43);
    const { response, result } = await exchange(sessions, { cookies: { s: planted } }, async (s) => {
      await s.set('s', { id: 'victim' });
      return s.id('s');
    });
    const id = wireValue(response, 's');
    expect(id).toMatch(ID_SHAPE);
    expect(id).not.toBe(planted);
    expect(result).toBe(id);
    expect(spy.map.has(keyOf(planted))).toBe(false);
    expect(spy.stores.map((w) => w.key)).not.toContain(planted);
    // Exactly one Set-Cookie line: the new id (not a clear followed by a set).
    expect(setCookies(response)).toHaveLength(1);
    // The planted id still reads as nothing.
    const again = await exchange(sessions, { cookies: { s: planted } }, (s) => s.get('s'));
    expect(again.result).toBeUndefined();
  });

  it('a known id + set keeps the id', async () => {
    const { sessions, spy } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    const { response } = await exchange(sessions, { cookies: { s: id } }, (s) => s.set('s', { id: 'u1', name: 'renamed' }));
    expect(wireValue(response, 's')).toBe(id);
    expect(spy.map.size).toBe(1);
    const { result } = await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'u1', name: 'renamed' });
  });

  it('an unknown id without set reads as no session and clears the cookie', async () => {
    const { sessions, spy } = setup();
    const unknown = newSessionId();
    const { response, result } = await exchange(sessions, { cookies: { s: unknown } }, (s) => s.get('s'));
    expect(result).toBeUndefined();
    expectClears(response, 's');
    expect(spy.reads).toEqual([keyOf(unknown)]);
    expect(spy.stores).toEqual([]);
  });

  it('clear by id invalidates that id only', async () => {
    const { sessions, spy } = setup();
    const mine = await newSession(sessions, 's', { id: 'me' });
    const other = await newSession(sessions, 's', { id: 'other' });
    expect(mine).not.toBe(other);
    const { response } = await exchange(sessions, { cookies: { s: mine } }, (s) => s.clear('s'));
    expectClears(response, 's');
    expect(spy.invalidated).toEqual([keyOf(mine)]);
    // Checked in storage directly…
    expect(await spy.storage.read(keyOf(mine))).toBeUndefined();
    expect(JSON.parse((await spy.storage.read(keyOf(other))) as string)).toMatchObject({ v: 2 });
    // …and through requests.
    expect((await exchange(sessions, { cookies: { s: mine } }, (s) => s.get('s'))).result).toBeUndefined();
    expect((await exchange(sessions, { cookies: { s: other } }, (s) => s.get('s'))).result).toEqual({ id: 'other' });
  });

  it('clear then set in one request issues a new id; the old one stays dead', async () => {
    const { sessions, spy } = setup();
    const old = await newSession(sessions, 's', { id: 'u1' });
    const { response } = await exchange(sessions, { cookies: { s: old } }, async (s) => {
      await s.clear('s');
      await s.set('s', { id: 'u2' });
    });
    const fresh = wireValue(response, 's');
    expect(fresh).not.toBe(old);
    expect(spy.map.has(keyOf(old))).toBe(false);
    expect((await exchange(sessions, { cookies: { s: fresh } }, (s) => s.get('s'))).result).toEqual({ id: 'u2' });
  });

  it('id(name) returns the id (undefined without a session)', async () => {
    const { sessions } = setup();
    expect((await exchange(sessions, {}, (s) => s.id('s'))).result).toBeUndefined();
    const id = await newSession(sessions, 's', { id: 'u1' });
    const { result, response } = await exchange(sessions, { cookies: { s: id } }, (s) => s.id('s'));
    expect(result).toBe(id);
    expect(setCookies(response)).toEqual([]);
    // An id the server does not know is not reported.
    expect((await exchange(sessions, { cookies: { s: newSessionId() } }, (s) => s.id('s'))).result).toBeUndefined();
  });

  it('regenerate(name) moves the data to a new id and kills the old one', async () => {
    const { sessions, spy } = setup();
    const old = await newSession(sessions, 's', { id: 'u1', name: 'Ann' });
    const storedBefore = JSON.parse(spy.map.get(keyOf(old)) as string) as { d: string; c: number };
    const { response, result } = await exchange(sessions, { cookies: { s: old } }, async (s) => {
      await s.regenerate('s');
      return { id: await s.id('s'), value: await s.get('s') };
    });
    const fresh = wireValue(response, 's');
    expect(fresh).toMatch(ID_SHAPE);
    expect(fresh).not.toBe(old);
    expect(result).toEqual({ id: fresh, value: { id: 'u1', name: 'Ann' } });
    // Through storage.
    expect(await spy.storage.read(keyOf(old))).toBeUndefined();
    const storedAfter = JSON.parse((await spy.storage.read(keyOf(fresh))) as string) as { d: string; c: number };
    expect(storedAfter.d).toBe(storedBefore.d);
    expect(storedAfter.c).toBe(storedBefore.c);
    // Through new requests.
    const viaOld = await exchange(sessions, { cookies: { s: old } }, (s) => s.get('s'));
    expect(viaOld.result).toBeUndefined();
    expectClears(viaOld.response, 's');
    expect((await exchange(sessions, { cookies: { s: fresh } }, (s) => s.get('s'))).result).toEqual({ id: 'u1', name: 'Ann' });
  });

  it('regenerate with no session is a no-op', async () => {
    const { sessions, spy } = setup();
    const { response } = await exchange(sessions, {}, (s) => s.regenerate('s'));
    expect(setCookies(response)).toEqual([]);
    expect(spy.calls).toEqual({ read: 0, invalidate: 0, create: 0, compareAndSet: 0 });
    // With an unknown id: no write, no invalidate (only the clearing of the bad cookie).
    const unknown = newSessionId();
    const second = await exchange(sessions, { cookies: { s: unknown } }, (s) => s.regenerate('s'));
    expect(spy.calls).toEqual({ read: 1, invalidate: 0, create: 0, compareAndSet: 0 });
    expectClears(second.response, 's');
    expect(spy.map.size).toBe(0);
  });

  it('getOrSet creates once, then reads the same id', async () => {
    const { sessions } = setup();
    const create = vi.fn(() => ({ id: 'fresh' }));
    const first = await exchange(sessions, {}, (s) => s.getOrSet('s', create));
    const id = wireValue(first.response, 's');
    const second = await exchange(sessions, { cookies: { s: id } }, (s) => s.getOrSet('s', create));
    expect(second.result).toEqual({ id: 'fresh' });
    expect(create).toHaveBeenCalledTimes(1);
    expect(setCookies(second.response)).toEqual([]);
  });

  it('describe() reports tracking by id', () => {
    const { sessions } = setup();
    expect(sessions.describe('s')).toMatchObject({ name: 's', transport: 'cookie', wireName: 's', tracking: 'id' });
  });
});

describe('records are bound to their session', () => {
  it('an id issued for one session does not open another that shares the storage', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({
      basket: cookie<User>({ storage: spy.storage }),
      auth: cookie<User>({ storage: spy.storage }),
    });
    const basketId = await newSession(sessions, 'basket', { id: 'anonymous basket' });
    const { response, result } = await exchange(sessions, { cookies: { auth: basketId } }, (s) => s.get('auth'));
    expect(result).toBeUndefined();
    expectClears(response, 'auth');
    // And writing through the wrong session mints a new id instead of overwriting the basket.
    const { response: written } = await exchange(sessions, { cookies: { auth: basketId } }, (s) => s.set('auth', { id: 'ada' }));
    expect(wireValue(written, 'auth')).not.toBe(basketId);
    expect((await exchange(sessions, { cookies: { basket: basketId } }, (s) => s.get('basket'))).result).toEqual({
      id: 'anonymous basket',
    });
  });

  it('a by-id session with a browser-session cookie still ends on the server (7 days without use)', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage, cookie: { maxAge: null } }) });
    const { response } = await exchange(sessions, {}, (s) => s.set('s', { id: 'u' }));
    expect(setCookieFor(response, 's')?.attributes.has('max-age')).toBe(false);
    expect(spy.stores[0]?.ttlSeconds).toBe(7 * 24 * 3600);
  });
});

describe('header sessions by id, signed (Ktor session-header-server)', () => {
  const NAME = 'X-Cart-Session';

  function setup() {
    const spy = spyStorage();
    const sessions = defineSessions({
      cart: header<Cart>({ name: NAME, storage: spy.storage, transform: signed({ secret: SECRET }) }),
    });
    return { spy, sessions };
  }

  async function startCart(sessions: Sessions<{ cart: Cart }>): Promise<string> {
    const { response } = await exchange(sessions, {}, (s) => s.set('cart', { items: ['tea'] }));
    return response.headers.get(NAME) as string;
  }

  it('the response header carries a JWS whose payload is the 43-character id', async () => {
    const { spy, sessions } = setup();
    const { response, result } = await exchange(sessions, {}, async (s) => {
      await s.set('cart', { items: ['tea'] });
      return s.id('cart');
    });
    const token = response.headers.get(NAME) as string;
    const parts = token.split('.');
    expect(parts).toHaveLength(3);
    expect(decodeJsonSegment(parts[0] as string)).toMatchObject({ alg: 'HS256' });
    const id = fromB64url(parts[1] as string).toString('utf8');
    expect(id).toMatch(ID_SHAPE);
    expect(result).toBe(id);
    expect(spy.map.has(keyOf(id))).toBe(true);
    expect(response.headers.get('access-control-expose-headers')).toContain(NAME);
    expect(setCookies(response)).toEqual([]);
    // Sent back, it resolves.
    const again = await exchange(sessions, { headers: { [NAME]: token } }, (s) => s.get('cart'));
    expect(again.result).toEqual({ items: ['tea'] });
    expect(again.response.headers.get(NAME)).toBeNull();
  });

  it('a tampered value reads as no session, before storage, and the header is cleared', async () => {
    const { spy, sessions } = setup();
    const token = await startCart(sessions);
    const [h, p, m] = token.split('.') as [string, string, string];
    const otherId = newSessionId();
    spy.map.set(keyOf(otherId), spy.map.values().next().value as string);
    const tampered = [
      replaceSegment(token, 2, flipBitInSegment(m, 5)),
      replaceSegment(token, 1, flipBitInSegment(p, 3)),
      replaceSegment(token, 1, Buffer.from(otherId).toString('base64url')),
      replaceSegment(token, 0, flipBitInSegment(h, 2)),
      `${h}.${p}`,
      fromB64url(p).toString('utf8'), // the bare id, unsigned
      otherId,
    ];
    const readsBefore = spy.calls.read;
    for (const value of tampered) {
      const { response, result } = await exchange(sessions, { headers: { [NAME]: value } }, (s) => s.get('cart'));
      expect(result, value).toBeUndefined();
      expect(response.headers.get(NAME)).toBe('');
    }
    expect(spy.calls.read).toBe(readsBefore);
  });

  it('a value signed with another secret is refused', async () => {
    const { sessions } = setup();
    const token = await startCart(sessions);
    const id = fromB64url(token.split('.')[1] as string).toString('utf8');
    const forged = await signed({ secret: 'another-secret-0123456789abcdefghijklmnop' }).forSession(NAME).write(id);
    expect((await exchange(sessions, { headers: { [NAME]: forged } }, (s) => s.get('cart'))).result).toBeUndefined();
  });

  it('clear: the header is present and empty, exposed to CORS, and the id is dead', async () => {
    const { spy, sessions } = setup();
    const token = await startCart(sessions);
    const id = fromB64url(token.split('.')[1] as string).toString('utf8');
    const route = sessions.handler(async (_request, { session }) => {
      await session.clear('cart');
      return new Response(null, { status: 204, headers: { 'Access-Control-Expose-Headers': 'X-Other' } });
    });
    const response = await route(makeRequest({ method: 'DELETE', headers: { [NAME]: token } }), {});
    expect(response.status).toBe(204);
    expect(response.headers.has(NAME)).toBe(true);
    expect(response.headers.get(NAME)).toBe('');
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(/\s*,\s*/).map((s) => s.toLowerCase());
    expect(exposed).toContain(NAME.toLowerCase());
    expect(exposed).toContain('x-other');
    expect(spy.map.has(keyOf(id))).toBe(false);
    expect((await exchange(sessions, { headers: { [NAME]: token } }, (s) => s.get('cart'))).result).toBeUndefined();
  });

  it('set keeps the id across requests; regenerate issues a new signed id', async () => {
    const { spy, sessions } = setup();
    const token = await startCart(sessions);
    const id = fromB64url(token.split('.')[1] as string).toString('utf8');
    const { response } = await exchange(sessions, { headers: { [NAME]: token } }, async (s) => {
      const cart = (await s.get('cart')) as Cart;
      await s.set('cart', { items: [...cart.items, 'milk'] });
    });
    expect(fromB64url((response.headers.get(NAME) as string).split('.')[1] as string).toString('utf8')).toBe(id);
    const regen = await exchange(sessions, { headers: { [NAME]: token } }, (s) => s.regenerate('cart'));
    const newToken = regen.response.headers.get(NAME) as string;
    const newId = fromB64url(newToken.split('.')[1] as string).toString('utf8');
    expect(newId).toMatch(ID_SHAPE);
    expect(newId).not.toBe(id);
    expect(spy.map.has(keyOf(id))).toBe(false);
    expect((await exchange(sessions, { headers: { [NAME]: newToken } }, (s) => s.get('cart'))).result).toEqual({
      items: ['tea', 'milk'],
    });
    expect((await exchange(sessions, { headers: { [NAME]: token } }, (s) => s.get('cart'))).result).toBeUndefined();
  });

  it('cookieHeaderFrom is not involved: header sessions never send Set-Cookie', async () => {
    const { sessions } = setup();
    const { response } = await exchange(sessions, {}, (s) => s.set('cart', { items: [] }));
    expect(() => cookieHeaderFrom(response, 'cart')).toThrow();
  });
});

describe('ids at rest', () => {
  it('no key or value handed to the storage contains a live id, through every operation', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({
      s: cookie<Cart>({ storage: spy.storage, idleTimeout: 600 }),
      h: header<Cart>({ name: 'X-Cart', storage: spy.storage, transform: signed({ secret: SECRET }) }),
    });
    const ids: string[] = [];
    const first = await exchange(sessions, {}, async (s) => {
      await s.set('s', { items: ['a'] });
      await s.set('h', { items: ['b'] });
      ids.push((await s.id('s')) as string, (await s.id('h')) as string);
    });
    const id = wireValue(first.response, 's');
    await exchange(sessions, { cookies: { s: id } }, async (s) => {
      await s.update('s', (cart) => ({ items: [...(cart?.items ?? []), 'c'] }));
      await s.set('s', { items: ['d'] });
      await s.regenerate('s');
      ids.push((await s.id('s')) as string);
      await s.clear('s');
    });
    expect(ids.every((x) => ID_SHAPE.test(x))).toBe(true);
    expect(spy.keys.length).toBeGreaterThan(5);
    for (const key of spy.keys) {
      expect(key).toMatch(ID_SHAPE);
      expect(ids).not.toContain(key);
    }
    for (const value of [...spy.values, ...spy.map.values()]) {
      for (const live of ids) expect(value).not.toContain(live);
    }
    expect(spy.keys).toContain(keyOf(id));
  });

  it('the record under the hashed key is found only through the id it was issued for', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    const id = await newSession(sessions, 's', { id: 'u1' });
    expect([...spy.map.keys()]).toEqual([keyOf(id)]);
    // Presenting the key itself as an id opens nothing: a leaked key is no token.
    const { result } = await exchange(sessions, { cookies: { s: keyOf(id) } }, (s) => s.get('s'));
    expect(result).toBeUndefined();
  });
});
