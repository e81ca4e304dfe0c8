/**
 * The accessor's update() and set() by id (fresh sessions, retries that see
 * newer data, sessions cleared meanwhile) and by value (get + set).
 */
import { describe, expect, it, vi } from 'vitest';
import { type SessionStorage, type Sessions, cookie, defineSessions, encrypted, memoryStorage } from './index.ts';
import { SECRET, exchange, makeRequest, setCookies, wireValue } from '../test/helpers.ts';
import { spyStorage } from '../test/spy-storage.ts';

interface Cart {
  items: string[];
}

const add = (item: string) => (cart: Cart | undefined): Cart => ({ items: [...(cart?.items ?? []), item] });

/**
 * Request X updates the cart and holds the record's turn until `release()`: whatever arrives
 * meanwhile waits as one batch.
 */
function holdTurn(sessions: Sessions<{ cart: Cart }>, id: string) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const x = exchange(sessions, { cookies: { cart: id } }, (s) =>
    s.update('cart', async (cart) => {
      await held;
      return add('x')(cart);
    }),
  );
  return { release, x };
}

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

describe('concurrent updates of one session in one process', () => {
  const setUp = async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ cart: cookie<Cart>({ storage: spy.storage }) });
    const id = wireValue((await exchange(sessions, {}, (s) => s.set('cart', { items: ['a'] }))).response, 'cart');
    const read = async () => (await exchange(sessions, { cookies: { cart: id } }, (s) => s.get('cart'))).result;
    return { spy, sessions, id, read };
  };

  it('10 at once all land, each caller gets the result of its own fn, and the waiting ones share one write', async () => {
    const { spy, sessions, id, read } = await setUp();
    const items = Array.from({ length: 10 }, (_, i) => `i${i}`);
    const writesBefore = spy.calls.compareAndSet;
    const results = await Promise.all(items.map((item) => exchange(sessions, { cookies: { cart: id } }, (s) => s.update('cart', add(item)))));
    const stored = (await read())?.items ?? [];
    expect([...stored].sort()).toEqual(['a', ...items].sort());
    for (const [i, { result, response }] of results.entries()) {
      // Its own item, on top of exactly the ones stored before it.
      const mine = result?.items ?? [];
      expect(mine.at(-1)).toBe(items[i]);
      expect(mine).toEqual(stored.slice(0, mine.length));
      expect(wireValue(response, 'cart')).toBe(id);
    }
    // The first runs alone; the nine that arrive while it writes go out in one compare-and-set.
    expect(spy.calls.compareAndSet - writesBefore).toBe(2);
  });

  it('a fn that throws fails only its own update; the others in its batch land', async () => {
    const { sessions, id, read } = await setUp();
    const outcomes = await Promise.allSettled(
      ['b', 'boom', 'c'].map((item) =>
        exchange(sessions, { cookies: { cart: id } }, (s) =>
          s.update('cart', (cart) => {
            if (item === 'boom') throw new Error('refused');
            return add(item)(cart);
          }),
        ),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'refused' });
    expect((await read())?.items.sort()).toEqual(['a', 'b', 'c']);
  });

  it('a request whose update was not the last of its batch writes on top of the later ones: nothing is lost', async () => {
    const { sessions, id, read } = await setUp();
    // A and B arrive while X holds the turn and wait as one batch (A first).
    const { release, x } = holdTurn(sessions, id);
    const a = sessions.forRequest(makeRequest({ cookies: { cart: id } }));
    const b = sessions.forRequest(makeRequest({ cookies: { cart: id } }));
    await Promise.all([a.get('cart'), b.get('cart')]);
    const first = a.update('cart', add('a1'));
    const other = b.update('cart', add('b'));
    release();
    expect(await first).toEqual({ items: ['a', 'x', 'a1'] });
    expect(await a.get('cart')).toEqual({ items: ['a', 'x', 'a1'] });
    await other;
    await x;
    // A's view is older than what is stored (B came after it): its next write re-reads.
    expect(await a.update('cart', add('a2'))).toEqual({ items: ['a', 'x', 'a1', 'b', 'a2'] });
    expect((await read())?.items).toEqual(['a', 'x', 'a1', 'b', 'a2']);
  });
});

describe('a batch of updates: no write holds up or fails the others', () => {
  const setUp = async () => {
    const sessions = defineSessions({ cart: cookie<Cart>({ storage: memoryStorage() }) });
    const id = wireValue((await exchange(sessions, {}, (s) => s.set('cart', { items: ['a'] }))).response, 'cart');
    const read = async () => (await exchange(sessions, { cookies: { cart: id } }, (s) => s.get('cart'))).result;
    return { sessions, id, read, ...holdTurn(sessions, id) };
  };

  it('an fn that waits for an earlier write of its batch still settles, and both land', async () => {
    const { sessions, id, read, release, x } = await setUp();
    const a = sessions.forRequest(makeRequest({ cookies: { cart: id } }));
    await a.get('cart');
    const first = a.update('cart', add('p1'));
    const second = a.update('cart', async (cart) => {
      await first;
      return add('p2')(cart);
    });
    release();
    await Promise.all([x, first, second]);
    expect((await read())?.items).toEqual(['a', 'x', 'p1', 'p2']);
  });

  it('an fn that keeps losing its compare-and-set (it writes the session itself) fails alone', async () => {
    const { sessions, id, read, release, x } = await setUp();
    const reentrant = exchange(sessions, { cookies: { cart: id } }, (s) =>
      s.update('cart', async (cart) => {
        await exchange(sessions, { cookies: { cart: id } }, (t) => t.update('cart', add('inner')));
        return add('outer')(cart);
      }),
    );
    const other = exchange(sessions, { cookies: { cart: id } }, (s) => s.update('cart', add('other')));
    release();
    const [, outcome, otherOutcome] = await Promise.allSettled([x, reentrant, other]);
    expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'ERR_SESSION_CONFLICT' } });
    expect(otherOutcome.status).toBe('fulfilled');
    expect((await read())?.items).toContain('other');
    expect((await read())?.items).not.toContain('outer');
  }, 30_000);

  it('an fn too slow for its batch runs again alone; update() returns what was stored, not the late first run', async () => {
    // Compare-and-sets take 300 ms, so the first run (900 ms) finishes while the second one's write is on its way.
    const inner = memoryStorage();
    const slowWrites: SessionStorage = {
      ...inner,
      compareAndSet: async (...args) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return inner.compareAndSet(...args);
      },
    };
    const sessions = defineSessions({ cart: cookie<Cart>({ storage: slowWrites }) });
    const id = wireValue((await exchange(sessions, {}, (s) => s.set('cart', { items: ['a'] }))).response, 'cart');
    const { release, x } = holdTurn(sessions, id);
    let calls = 0;
    const slow = exchange(sessions, { cookies: { cart: id } }, (s) =>
      s.update('cart', async (cart) => {
        if (++calls === 1) {
          await new Promise((resolve) => setTimeout(resolve, 900));
          return add('first run')(cart);
        }
        return add('second run')(cart);
      }),
    );
    const other = exchange(sessions, { cookies: { cart: id } }, (s) => s.update('cart', add('other')));
    release();
    const [, { result }] = await Promise.all([x, slow, other]);
    expect(calls).toBe(2);
    const stored = (await exchange(sessions, { cookies: { cart: id } }, (s) => s.get('cart'))).result;
    expect(stored).toEqual({ items: ['a', 'x', 'other', 'second run'] });
    expect(result).toEqual(stored);
  });

  it('update then set in one request, sent together: the set stands, in storage and for get()', async () => {
    const { sessions, id, read, release, x } = await setUp();
    const a = sessions.forRequest(makeRequest({ cookies: { cart: id } }));
    await a.get('cart');
    const updated = a.update('cart', add('u'));
    const set = a.set('cart', { items: ['set'] });
    release();
    await Promise.all([x, updated, set]);
    expect(await read()).toEqual({ items: ['set'] });
    expect(await a.get('cart')).toEqual({ items: ['set'] });
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
