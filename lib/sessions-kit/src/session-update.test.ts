/**
 * The accessor's update() and set() by id (fresh sessions, retries that see
 * newer data, sessions cleared meanwhile) and by value (get + set).
 */
import { describe, expect, it, vi } from 'vitest';
import { cookie, defineSessions, encrypted, memoryStorage } from './index.ts';
import { SECRET, exchange, makeRequest, setCookies, wireValue } from '../test/helpers.ts';
import { spyStorage } from '../test/spy-storage.ts';

interface Cart {
  items: string[];
}

const add = (item: string) => (cart: Cart | undefined): Cart => ({ items: [...(cart?.items ?? []), item] });

describe('update() by id', () => {
  it('without a session, fn(undefined) starts one under a new id (created only if absent)', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ cart: cookie<Cart>({ storage: spy.storage }) });
    const fn = vi.fn(add('tea'));
    const { response, result } = await exchange(sessions, {}, (s) => s.update('cart', fn));
    expect(fn).toHaveBeenCalledWith(undefined);
    expect(result).toEqual({ items: ['tea'] });
    expect(wireValue(response, 'cart')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(spy.stores.map((s) => s.op)).toEqual(['create']);
  });

  it('keeps the id, returns the stored value, and get() sees it in the same request', async () => {
    const sessions = defineSessions({ cart: cookie<Cart>({ storage: memoryStorage() }) });
    const id = wireValue((await exchange(sessions, {}, (s) => s.set('cart', { items: ['a'] }))).response, 'cart');
    const { response, result } = await exchange(sessions, { cookies: { cart: id } }, async (s) => {
      const updated = await s.update('cart', add('b'));
      return { updated, read: await s.get('cart') };
    });
    expect(result).toEqual({ updated: { items: ['a', 'b'] }, read: { items: ['a', 'b'] } });
    expect(wireValue(response, 'cart')).toBe(id);
  });

  it('a lost race re-runs fn on the newer data; fn mutating its argument does not leak into the retry', async () => {
    const sessions = defineSessions({ cart: cookie<Cart>({ storage: memoryStorage() }) });
    const id = wireValue((await exchange(sessions, {}, (s) => s.set('cart', { items: ['a'] }))).response, 'cart');
    const a = sessions.forRequest(makeRequest({ cookies: { cart: id } }));
    await a.get('cart');
    const seen: string[][] = [];
    let raced = false;
    const result = await a.update('cart', async (cart) => {
      seen.push([...(cart?.items ?? [])]);
      cart?.items.push('mine');
      if (!raced) {
        raced = true;
        // Another request lands between this read and this write.
        await exchange(sessions, { cookies: { cart: id } }, (s) => s.update('cart', add('theirs')));
      }
      return cart as Cart;
    });
    expect(seen).toEqual([['a'], ['a', 'theirs']]);
    expect(result).toEqual({ items: ['a', 'theirs', 'mine'] });
    expect((await exchange(sessions, { cookies: { cart: id } }, (s) => s.get('cart'))).result).toEqual({ items: ['a', 'theirs', 'mine'] });
  });

  it('set refuses a session cleared since it was loaded, and writes nothing back', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ cart: cookie<Cart>({ storage: spy.storage }) });
    const id = wireValue((await exchange(sessions, {}, (s) => s.set('cart', { items: ['a'] }))).response, 'cart');
    const a = sessions.forRequest(makeRequest({ cookies: { cart: id } }));
    await a.get('cart');
    await exchange(sessions, { cookies: { cart: id } }, (s) => s.clear('cart'));
    await expect(a.set('cart', { items: ['back'] })).rejects.toMatchObject({ code: 'ERR_SESSION_CONFLICT' });
    expect(setCookies(a.applyTo(new Response('ok')))).toEqual([]);
    expect(spy.map.size).toBe(0);
    expect((await exchange(sessions, { cookies: { cart: id } }, (s) => s.get('cart'))).result).toBeUndefined();
  });

  it('clear then update in one request starts a new session from fn(undefined): nothing carries over', async () => {
    const sessions = defineSessions({ cart: cookie<Cart>({ storage: memoryStorage() }) });
    const id = wireValue((await exchange(sessions, {}, (s) => s.set('cart', { items: ['old'] }))).response, 'cart');
    const { response, result } = await exchange(sessions, { cookies: { cart: id } }, async (s) => {
      await s.clear('cart');
      return s.update('cart', add('new'));
    });
    expect(result).toEqual({ items: ['new'] });
    expect(wireValue(response, 'cart')).not.toBe(id);
  });
});

describe('through handler()', () => {
  it('a set on a session cleared meanwhile answers 409 and re-sends no id', async () => {
    const sessions = defineSessions({ cart: cookie<Cart>({ storage: memoryStorage() }) });
    const id = wireValue((await exchange(sessions, {}, (s) => s.set('cart', { items: ['a'] }))).response, 'cart');
    const route = sessions.handler(async (_request, { session }) => {
      const cart = await session.get('cart');
      // The logout lands while this request works.
      await exchange(sessions, { cookies: { cart: id } }, (s) => s.clear('cart'));
      await session.set('cart', { items: [...(cart?.items ?? []), 'b'] });
      return new Response('ok');
    });
    const response = await route(makeRequest({ method: 'POST', cookies: { cart: id } }), {});
    expect(response.status).toBe(409);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect((await exchange(sessions, { cookies: { cart: id } }, (s) => s.get('cart'))).result).toBeUndefined();
  });
});

describe('update() by value', () => {
  it('is get + set within the request', async () => {
    const sessions = defineSessions({ cart: cookie<Cart>({ transform: encrypted({ secret: SECRET }) }) });
    const first = await exchange(sessions, {}, (s) => s.update('cart', add('a')));
    expect(first.result).toEqual({ items: ['a'] });
    const wire = wireValue(first.response, 'cart');
    const second = await exchange(sessions, { cookies: { cart: wire } }, (s) => s.update('cart', add('b')));
    expect(second.result).toEqual({ items: ['a', 'b'] });
    const third = await exchange(sessions, { cookies: { cart: wireValue(second.response, 'cart') } }, (s) => s.get('cart'));
    expect(third.result).toEqual({ items: ['a', 'b'] });
  });
});
