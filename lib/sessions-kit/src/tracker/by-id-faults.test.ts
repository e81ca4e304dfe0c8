/** Storage faults: a typed error from the call that hit them, never "no session", never lost data. */
import { describe, expect, it } from 'vitest';
import { SessionStorageError, type SessionStorage, cookie, defineSessions } from '../index.ts';
import { exchange, makeRequest, setCookies, wireValue } from '../../test/helpers.ts';
import { type User, newSession } from '../../test/by-id.ts';
import { newSessionId } from './record.ts';
import { keyOf, spyStorage } from '../../test/spy-storage.ts';

describe('storage faults', () => {
  function setup() {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    return { spy, sessions };
  }

  it('a failing read makes get reject with SessionStorageError (cause kept), never "no session"', async () => {
    const { spy, sessions } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    const boom = new Error('ECONNRESET');
    spy.breakDown({ read: true }, () => boom);
    const s = sessions.forRequest(makeRequest({ cookies: { s: id } }));
    const error = await s.get('s').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SessionStorageError);
    expect(error).toMatchObject({ code: 'ERR_SESSION_STORAGE', name: 'SessionStorageError' });
    expect((error as Error).cause).toBe(boom);
    expect((error as Error).message).not.toContain(id);
    // A fault is not cached as "no session": once the store is back, the same request reads.
    spy.recover();
    expect(await s.get('s')).toEqual({ id: 'u1' });
    expect(setCookies(s.applyTo(new Response('ok')))).toEqual([]);
  });

  it('a failing write makes set reject with SessionStorageError and issues no cookie', async () => {
    const { spy, sessions } = setup();
    spy.breakDown({ write: true });
    const s = sessions.forRequest(makeRequest());
    await expect(s.set('s', { id: 'u1' })).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE' });
    expect(setCookies(s.applyTo(new Response('ok')))).toEqual([]);
    expect(spy.map.size).toBe(0);
  });

  it('a failing write over a known id keeps the client cookie (no clear) and the old data', async () => {
    const { spy, sessions } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    spy.breakDown({ write: true });
    const s = sessions.forRequest(makeRequest({ cookies: { s: id } }));
    await expect(s.set('s', { id: 'u2' })).rejects.toBeInstanceOf(SessionStorageError);
    expect(setCookies(s.applyTo(new Response('ok')))).toEqual([]);
    spy.recover();
    expect((await exchange(sessions, { cookies: { s: id } }, (x) => x.get('s'))).result).toEqual({ id: 'u1' });
  });

  it('a failing invalidate makes clear reject, and sends no clearing cookie', async () => {
    const { spy, sessions } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    spy.breakDown({ invalidate: true });
    const s = sessions.forRequest(makeRequest({ cookies: { s: id } }));
    await expect(s.clear('s')).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE' });
    expect(setCookies(s.applyTo(new Response('ok')))).toEqual([]);
  });

  it('a SessionStorageError from the storage passes through unchanged', async () => {
    const { spy, sessions } = setup();
    const own = new SessionStorageError('store says no');
    spy.breakDown({ write: true }, () => own);
    await expect(sessions.forRequest(makeRequest()).set('s', { id: 'u1' })).rejects.toBe(own);
  });

  it('a custom storage throwing a plain Error (sync or async) is wrapped with cause', async () => {
    const cause = new TypeError('socket hang up');
    const syncThrowing: SessionStorage = {
      read: () => {
        throw cause;
      },
      create: () => {
        throw cause;
      },
      compareAndSet: () => {
        throw cause;
      },
      invalidate: () => {
        throw cause;
      },
    };
    const sessions = defineSessions({ s: cookie<User>({ storage: syncThrowing }) });
    const s = sessions.forRequest(makeRequest({ cookies: { s: newSessionId() } }));
    for (const call of [() => s.get('s'), () => s.set('s', { id: 'x' }), () => s.id('s'), () => s.regenerate('s'), () => s.clear('s')]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SessionStorageError);
      expect((error as SessionStorageError).code).toBe('ERR_SESSION_STORAGE');
      expect((error as Error).cause).toBe(cause);
    }
    // Rejecting with a non-Error is wrapped too.
    const rejecting: SessionStorage = {
      read: () => Promise.reject('nope'),
      create: () => Promise.reject('nope'),
      compareAndSet: () => Promise.reject('nope'),
      invalidate: () => Promise.reject('nope'),
    };
    const other = defineSessions({ s: cookie<User>({ storage: rejecting }) });
    await expect(other.forRequest(makeRequest()).set('s', { id: 'x' })).rejects.toMatchObject({
      code: 'ERR_SESSION_STORAGE',
      cause: 'nope',
    });
  });

  it('through handler(): 503, no Set-Cookie, and the same cookie works once the store is back', async () => {
    const { spy, sessions } = setup();
    const route = sessions.handler(async (_request, { session }) => {
      const user = await session.get('s');
      if (!user) return Response.json({ user: null }, { status: 401 });
      await session.set('s', { ...user, name: 'visited' });
      return Response.json({ user: await session.get('s') });
    });
    const id = await newSession(sessions, 's', { id: 'u1' });
    const cookieHeader = `s=${id}`;

    spy.breakDown();
    const down = await route(makeRequest({ cookies: cookieHeader }), {});
    expect(down.status).toBe(503);
    expect(down.headers.getSetCookie()).toEqual([]);
    expect(down.headers.get('retry-after')).toBeTruthy();
    expect(down.headers.get('cache-control')).toContain('no-store');
    expect(await down.json()).toMatchObject({ error: expect.any(String) });

    spy.recover();
    const up = await route(makeRequest({ cookies: cookieHeader }), {});
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ user: { id: 'u1', name: 'visited' } });
    expect(wireValue(up, 's')).toBe(id);
  });

  it('through handler(): a failed write (read fine) is 503 with no Set-Cookie, data not lost', async () => {
    const { spy, sessions } = setup();
    const route = sessions.handler(async (_request, { session }) => {
      await session.set('s', { id: 'new' });
      return new Response('ok');
    });
    const id = await newSession(sessions, 's', { id: 'u1' });
    spy.breakDown({ write: true });
    const fresh = await route(makeRequest(), {});
    expect(fresh.status).toBe(503);
    expect(fresh.headers.getSetCookie()).toEqual([]);
    const existing = await route(makeRequest({ cookies: { s: id } }), {});
    expect(existing.status).toBe(503);
    expect(existing.headers.getSetCookie()).toEqual([]);
    spy.recover();
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1' });
  });

  it('a regenerate whose write fails leaves the session on its old id (a later clear still kills it)', async () => {
    const { spy, sessions } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    const s = sessions.forRequest(makeRequest({ cookies: { s: id } }));
    expect(await s.get('s')).toEqual({ id: 'u1' });
    spy.breakDown({ write: true });
    await expect(s.regenerate('s')).rejects.toBeInstanceOf(SessionStorageError);
    spy.recover();
    // Nothing moved: the request still knows its id…
    expect.soft(await s.id('s')).toBe(id);
    // …so a logout in the same request (say, after catching the fault) forgets it in storage.
    await s.clear('s');
    expect.soft(spy.invalidated).toEqual([keyOf(id)]);
    expect(spy.map.has(keyOf(id))).toBe(false);
    expect((await exchange(sessions, { cookies: { s: id } }, (x) => x.get('s'))).result).toBeUndefined();
  });

  it('through handler(): regenerate and clear faults are 503 with no Set-Cookie', async () => {
    const { spy, sessions } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    // regenerate retires the old id by compare-and-set, clear by invalidate.
    const faults = { regenerate: { compareAndSet: true }, clear: { invalidate: true } } as const;
    for (const action of ['regenerate', 'clear'] as const) {
      spy.breakDown(faults[action]);
      const route = sessions.handler(async (_request, { session }) => {
        await session[action]('s');
        return new Response('ok');
      });
      const response = await route(makeRequest({ cookies: { s: id } }), {});
      expect(response.status, action).toBe(503);
      expect(response.headers.getSetCookie(), action).toEqual([]);
      spy.recover();
    }
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1' });
    // The failed regenerate's new record was removed again: only the original session is stored.
    expect([...spy.map.keys()]).toEqual([keyOf(id)]);
  });
});
