/**
 * defineSessions end to end, through Web Request/Response: Ktor's session flows,
 * transformers, definition errors, unknown names, handler and protect, and the
 * type-level API.
 */
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { SessionConfigError, SessionConflictError, type SessionTransformer, cookie, memoryStorage, defineSessions, encrypted, header, signed } from './index.ts';
import {
  OTHER_SECRET,
  ORIGIN,
  SECRET,
  type User,
  codeOf,
  cookieAfterSet,
  cookieHeaderFrom,
  exchange,
  failingStorage,
  isClearing,
  makeRequest,
  mapStorage,
  sendsNoLiveCookie,
  setCookieFor,
  setCookies,
  wireValue,
} from '../test/helpers.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('Ktor: basic cookie sessions', () => {
  const sessions = defineSessions({ s: cookie<User>() });

  it('has no session by default and sends no Set-Cookie; the answer still depends on the cookie', async () => {
    const { response, result } = await exchange(sessions, {}, (s) => s.get('s'));
    expect(result).toBeUndefined();
    expect(setCookies(response)).toEqual([]);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(response.headers.get('vary')).toBe('Cookie');
  });

  it('returns the value after set in the same request', async () => {
    const { response, result } = await exchange(sessions, {}, async (s) => {
      await s.set('s', { id: 'u1' });
      return s.get('s');
    });
    expect(result).toEqual({ id: 'u1' });
    const c = setCookieFor(response, 's');
    expect(c).toBeDefined();
    expect(isClearing(c as NonNullable<typeof c>)).toBe(false);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
  });

  it('set then clear with nothing received leaves no live cookie', async () => {
    const { response, result } = await exchange(sessions, {}, async (s) => {
      await s.set('s', { id: 'u1' });
      await s.clear('s');
      return s.get('s');
    });
    expect(result).toBeUndefined();
    expect(sendsNoLiveCookie(response, 's')).toBe(true);
  });

  it('reads back in the next request what the previous one set', async () => {
    const cookieHeader = await cookieAfterSet(sessions, 's', { id: 'u1', name: 'Ann' });
    const { result } = await exchange(sessions, { cookies: cookieHeader }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'u1', name: 'Ann' });
  });

  it('a request that only reads sends no Set-Cookie', async () => {
    const cookieHeader = await cookieAfterSet(sessions, 's', { id: 'u1' });
    const { response } = await exchange(sessions, { cookies: cookieHeader }, async (s) => {
      await s.get('s');
      await s.get('s');
    });
    expect(setCookies(response)).toEqual([]);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
  });

  it('clear of a received session sends a deleting cookie and Cache-Control', async () => {
    const cookieHeader = await cookieAfterSet(sessions, 's', { id: 'u1' });
    const { response, result } = await exchange(sessions, { cookies: cookieHeader }, async (s) => {
      await s.clear('s');
      return s.get('s');
    });
    expect(result).toBeUndefined();
    const c = setCookieFor(response, 's');
    expect(c && isClearing(c)).toBe(true);
    expect(c?.value).toBe('');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
  });

  it('getOrSet creates once, then returns the stored value without calling create', async () => {
    const create = vi.fn(() => ({ id: 'new' }));
    const first = await exchange(sessions, {}, (s) => s.getOrSet('s', create));
    expect(first.result).toEqual({ id: 'new' });
    expect(create).toHaveBeenCalledTimes(1);
    const cookieHeader = cookieHeaderFrom(first.response, 's');

    const second = await exchange(sessions, { cookies: cookieHeader }, (s) => s.getOrSet('s', create));
    expect(second.result).toEqual({ id: 'new' });
    expect(create).toHaveBeenCalledTimes(1);
    expect(setCookies(second.response)).toEqual([]);
  });

  it('getOrSet awaits an async create', async () => {
    const { result, response } = await exchange(sessions, {}, (s) => s.getOrSet('s', async () => ({ id: 'async' })));
    expect(result).toEqual({ id: 'async' });
    expect(setCookieFor(response, 's')).toBeDefined();
  });

  it('exposes the session names', () => {
    expect(defineSessions({ a: cookie(), b: header() }).names).toEqual(['a', 'b']);
  });

  it('id() and regenerate() on a by-value session are unsupported', async () => {
    const s = sessions.forRequest(makeRequest());
    await expect(s.id('s')).rejects.toMatchObject({ code: 'ERR_SESSION_UNSUPPORTED' });
    await expect(s.regenerate('s')).rejects.toMatchObject({ code: 'ERR_SESSION_UNSUPPORTED' });
  });
});

describe('Ktor: transformers', () => {
  const prefixer = (prefix: string): SessionTransformer => ({
    write: async (value) => `${prefix}${value}`,
    read: async (value) => (value.startsWith(prefix) ? value.slice(prefix.length) : undefined),
  });

  it('apply in order on write and in reverse on read', async () => {
    const sessions = defineSessions({ s: cookie<User>({ transform: [prefixer('a:'), prefixer('b:')] }) });
    const { response } = await exchange(sessions, {}, (s) => s.set('s', { id: 'x' }));
    const raw = wireValue(response, 's');
    expect(decodeURIComponent(raw)).toBe('b:a:{"id":"x"}');
    // `:` travels percent-encoded, like Ktor's URI encoding.
    expect(raw.startsWith('b%3Aa%3A')).toBe(true);

    const { result } = await exchange(sessions, { cookies: { s: raw } }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'x' });

    const swapped = encodeURIComponent('a:b:{"id":"x"}');
    const bad = await exchange(sessions, { cookies: { s: swapped } }, (s) => s.get('s'));
    expect(bad.result).toBeUndefined();
  });

  it('async transformers work too', async () => {
    const asyncPrefix: SessionTransformer = {
      write: async (value) => `z${value}`,
      read: async (value) => (value.startsWith('z') ? value.slice(1) : undefined),
    };
    const sessions = defineSessions({ s: cookie<User>({ transform: [asyncPrefix, encrypted({ secret: SECRET })] }) });
    const cookieHeader = await cookieAfterSet(sessions, 's', { id: 'x' });
    const { result } = await exchange(sessions, { cookies: cookieHeader }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'x' });
  });

  it('a custom transformer after encrypted still gets expiry enforced by encrypted', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const sessions = defineSessions({
      s: cookie<User>({ transform: [encrypted({ secret: SECRET }), prefixer('p:')], cookie: { maxAge: 60 } }),
    });
    const cookieHeader = await cookieAfterSet(sessions, 's', { id: 'x' });
    expect((await exchange(sessions, { cookies: cookieHeader }, (s) => s.get('s'))).result).toEqual({ id: 'x' });
    vi.setSystemTime(new Date('2030-01-01T00:01:01Z'));
    expect((await exchange(sessions, { cookies: cookieHeader }, (s) => s.get('s'))).result).toBeUndefined();
  });
});

describe('typed errors at definition time', () => {
  it('short or missing secrets', () => {
    expect(codeOf(() => encrypted({ secret: 'too-short' }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => encrypted({ secret: 'x'.repeat(31) }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => encrypted({ secret: 'x'.repeat(32) }))).toBeUndefined();
    // A missing secret is resolved at first use, so `next build` needs none (transform/secrets.test.ts).
    expect(codeOf(() => encrypted({ secret: [] }))).toBeUndefined();
    expect(codeOf(() => encrypted({ secret: [SECRET, 'short'] }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => encrypted({ secret: undefined }))).toBeUndefined();
    expect(codeOf(() => signed({ secret: 'too-short' }))).toBe('ERR_SESSION_CONFIG');
  });

  it('__Host- with a domain or a path other than "/"', () => {
    expect(codeOf(() => defineSessions({ s: cookie({ cookie: { name: '__Host-s', domain: 'example.com' } }) }))).toBe(
      'ERR_SESSION_CONFIG',
    );
    expect(codeOf(() => defineSessions({ s: cookie({ cookie: { name: '__Host-s', path: '/app' } }) }))).toBe(
      'ERR_SESSION_CONFIG',
    );
    expect(codeOf(() => defineSessions({ s: cookie({ cookie: { name: '__Host-s', secure: false } }) }))).toBe(
      'ERR_SESSION_CONFIG',
    );
    expect(codeOf(() => defineSessions({ s: cookie({ cookie: { name: '__Host-s' } }) }))).toBeUndefined();
  });

  it('SameSite=None (or Partitioned) with secure: false', () => {
    expect(codeOf(() => defineSessions({ s: cookie({ cookie: { sameSite: 'none', secure: false } }) }))).toBe(
      'ERR_SESSION_CONFIG',
    );
    expect(codeOf(() => defineSessions({ s: cookie({ cookie: { partitioned: true, secure: false } }) }))).toBe(
      'ERR_SESSION_CONFIG',
    );
  });

  it('cookie and header names with ";", spaces or "="', () => {
    for (const bad of ['a;b', 'a b', 'a=b', '', 'a,b', 'é']) {
      expect(codeOf(() => defineSessions({ [bad]: cookie() })), bad).toBe('ERR_SESSION_CONFIG');
      expect(codeOf(() => defineSessions({ s: cookie({ cookie: { name: bad } }) })), bad).toBe('ERR_SESSION_CONFIG');
      expect(codeOf(() => defineSessions({ s: header({ name: bad }) })), bad).toBe('ERR_SESSION_CONFIG');
    }
  });

  it('bad maxAge, sameSite, path, domain', () => {
    for (const maxAge of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(codeOf(() => cookie({ cookie: { maxAge } })), String(maxAge)).toBe('ERR_SESSION_CONFIG');
      expect(codeOf(() => header({ maxAge })), String(maxAge)).toBe('ERR_SESSION_CONFIG');
    }
    expect(codeOf(() => cookie({ cookie: { sameSite: 'lenient' as never } }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => cookie({ cookie: { path: 'app' } }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => cookie({ cookie: { path: '/a;b' } }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => cookie({ cookie: { domain: 'exa mple.com' } }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => cookie({ cookie: { domain: 'example.com; Secure' } }))).toBe('ERR_SESSION_CONFIG');
  });

  it('idle/absolute timeouts on an unprotected by-value session', () => {
    expect(codeOf(() => defineSessions({ s: cookie({ idleTimeout: 600 }) }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => defineSessions({ s: cookie({ absoluteTimeout: 3600 }) }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => defineSessions({ s: header({ idleTimeout: 600 }) }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => defineSessions({ s: cookie({ idleTimeout: 600, transform: encrypted({ secret: SECRET }) }) }))).toBeUndefined();
    expect(codeOf(() => defineSessions({ s: cookie({ idleTimeout: 600, transform: signed({ secret: SECRET }) }) }))).toBeUndefined();
    expect(codeOf(() => defineSessions({ s: cookie({ idleTimeout: 600, storage: mapStorage() }) }))).toBeUndefined();
  });

  it('timeouts that are not positive whole seconds', () => {
    const transform = encrypted({ secret: SECRET });
    for (const bad of [0, -5, 1.5]) {
      expect(codeOf(() => defineSessions({ s: cookie({ transform, idleTimeout: bad }) }))).toBe('ERR_SESSION_CONFIG');
      expect(codeOf(() => defineSessions({ s: cookie({ transform, absoluteTimeout: bad }) }))).toBe('ERR_SESSION_CONFIG');
    }
  });

  it('two sessions on one cookie or header name', () => {
    expect(codeOf(() => defineSessions({ a: cookie(), b: cookie({ cookie: { name: 'a' } }) }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => defineSessions({ a: header({ name: 'X-S' }), b: header({ name: 'x-s' }) }))).toBe(
      'ERR_SESSION_CONFIG',
    );
    // Not even a cookie and a header: keys are salted with the wire name, so they would share one.
    expect(codeOf(() => defineSessions({ a: cookie(), b: header({ name: 'A' }) }))).toBe('ERR_SESSION_CONFIG');
  });

  it('not a cookie()/header() definition', () => {
    expect(codeOf(() => defineSessions({ s: {} as never }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => defineSessions(null as never))).toBe('ERR_SESSION_CONFIG');
  });
});

describe('unknown session names', () => {
  const sessions = defineSessions({ s: cookie<User>() });

  it('get rejects with SessionConfigError', async () => {
    const s = sessions.forRequest(makeRequest());
    await expect(s.get('nope' as never)).rejects.toMatchObject({ code: 'ERR_SESSION_CONFIG' });
  });

  it('set, clear, getOrSet, id and regenerate reject (a Promise-returning method must not throw synchronously)', async () => {
    const s = sessions.forRequest(makeRequest());
    const calls: [string, () => Promise<unknown>][] = [
      ['set', () => s.set('nope' as never, { id: 'x' } as never)],
      ['clear', () => s.clear('nope' as never)],
      ['getOrSet', () => s.getOrSet('nope' as never, () => ({ id: 'x' }) as never)],
      ['id', () => s.id('nope' as never)],
      ['regenerate', () => s.regenerate('nope' as never)],
    ];
    const threwSynchronously: string[] = [];
    for (const [method, call] of calls) {
      let promise: Promise<unknown>;
      try {
        promise = call();
      } catch (error) {
        expect((error as { code?: string }).code, method).toBe('ERR_SESSION_CONFIG');
        threwSynchronously.push(method);
        continue;
      }
      await expect(promise, method).rejects.toMatchObject({ code: 'ERR_SESSION_CONFIG' });
    }
    expect(threwSynchronously).toEqual([]);
  });
});

describe('sessions.handler', () => {
  it('adds the session headers to the returned response and passes the context through', async () => {
    const sessions = defineSessions({ s: cookie<User>() });
    const route = sessions.handler<{ params: Promise<{ id: string }> }>(async (_request, { session, params }) => {
      const { id } = await params;
      await session.set('s', { id });
      return new Response('done', { headers: { 'Cache-Control': 'public, max-age=60' } });
    });
    const response = await route(makeRequest({ method: 'POST' }), { params: Promise.resolve({ id: 'p1' }) });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const { result } = await exchange(sessions, { cookies: cookieHeaderFrom(response, 's') }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'p1' });
  });

  it('maps a SessionStorageError to 503 and sends no Set-Cookie', async () => {
    const sessions = defineSessions({
      plain: cookie<User>(),
      stored: cookie<User>({ storage: failingStorage() }),
    });
    let reached = false;
    const route = sessions.handler(async (_request, { session }) => {
      await session.set('plain', { id: 'set before the fault' });
      await session.get('stored');
      reached = true;
      return new Response('ok');
    });
    const id = 'A'.repeat(43);
    const response = await route(makeRequest({ cookies: { stored: id } }), {});
    expect(response.status).toBe(503);
    expect(reached).toBe(false);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('cache-control')).toContain('no-store');
  });

  it('a storage fault at set rejects with ERR_SESSION_STORAGE (and maps to 503 in a handler)', async () => {
    const sessions = defineSessions({ stored: cookie<User>({ storage: failingStorage() }) });
    const s = sessions.forRequest(makeRequest());
    await expect(s.set('stored', { id: 'x' })).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE' });
    const route = sessions.handler(async (_r, { session }) => {
      await session.set('stored', { id: 'x' });
      return new Response('ok');
    });
    const response = await route(makeRequest(), {});
    expect(response.status).toBe(503);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('in development, answers a configuration error (a secret not set) with its message; in production, throws it', async () => {
    const sessions = defineSessions({ s: cookie<User>({ transform: encrypted({ secret: () => undefined }) }) });
    const route = sessions.handler(async (_request, { session }) => {
      await session.set('s', { id: 'x' });
      return new Response('ok');
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const response = await route(makeRequest({ method: 'POST' }), {});
      expect(response.status).toBe(500);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect((await response.json()).error).toMatch(/secret/i);
      expect(logged).toHaveBeenCalledOnce();
      vi.stubEnv('NODE_ENV', 'production');
      await expect(route(makeRequest({ method: 'POST' }), {})).rejects.toMatchObject({ name: 'SessionConfigError' });
    } finally {
      vi.unstubAllEnvs();
      logged.mockRestore();
    }
  });

  it('a storage misconfigured at run time (no url) is a SessionConfigError, not an outage (no 503)', async () => {
    const misconfigured = { ...memoryStorage(), read: async () => { throw new SessionConfigError('redisStorage: `url` gave no connection string at run time. Set REDIS_URL.'); } };
    const sessions = defineSessions({ s: cookie<User>({ storage: misconfigured }) });
    await expect(sessions.forRequest(makeRequest({ cookies: { s: 'A'.repeat(43) } })).get('s')).rejects.toBeInstanceOf(SessionConfigError);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const response = await sessions.handler(async (_r, { session }) => Response.json(await session.get('s')))(makeRequest({ cookies: { s: 'A'.repeat(43) } }), {});
      expect(response.status).toBe(500);
      expect((await response.json()).error).toMatch(/Set REDIS_URL/);
    } finally {
      logged.mockRestore();
    }
  });

  it('maps a SessionConflictError to 409 without Set-Cookie', async () => {
    const sessions = defineSessions({ s: cookie<User>() });
    const route = sessions.handler(async (_request, { session }) => {
      await session.set('s', { id: 'written before the conflict' });
      throw new SessionConflictError('changed meanwhile');
    });
    const response = await route(makeRequest({ method: 'POST' }), {});
    expect(response.status).toBe(409);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('other errors propagate', async () => {
    const sessions = defineSessions({ s: cookie<User>() });
    const route = sessions.handler(async () => {
      throw new RangeError('boom');
    });
    await expect(route(makeRequest(), {})).rejects.toBeInstanceOf(RangeError);
  });

  it('works with Response.redirect (immutable headers) by returning a copy with the cookie', async () => {
    const sessions = defineSessions({ s: cookie<User>({ transform: encrypted({ secret: SECRET }) }) });
    const route = sessions.handler(async (_request, { session }) => {
      await session.set('s', { id: 'after-login' });
      return Response.redirect(`${ORIGIN}/home`, 303);
    });
    const response = await route(makeRequest({ method: 'POST' }), {});
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${ORIGIN}/home`);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    const { result } = await exchange(sessions, { cookies: cookieHeaderFrom(response, 's') }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'after-login' });
  });

  it('applyTo returns the same response when its headers are mutable, and leaves it alone when nothing changed', async () => {
    const sessions = defineSessions({ s: cookie<User>() });
    const s = sessions.forRequest(makeRequest());
    const untouched = new Response('x');
    expect(s.applyTo(untouched)).toBe(untouched);
    await s.set('s', { id: 'x' });
    const mutable = new Response('x');
    expect(s.applyTo(mutable)).toBe(mutable);
    const redirect = Response.redirect(`${ORIGIN}/next`, 302);
    const copy = s.applyTo(redirect);
    expect(copy).not.toBe(redirect);
    expect(copy.status).toBe(302);
    expect(copy.headers.get('location')).toBe(`${ORIGIN}/next`);
    expect(setCookieFor(copy, 's')).toBeDefined();
  });

  it('protect answers 401 without a session and runs with a principal otherwise', async () => {
    const sessions = defineSessions({ s: cookie<User>({ transform: signed({ secret: SECRET }) }) });
    const route = sessions.protect('s', { validate: (user) => (user.id === 'banned' ? null : user.id) }, (_r, { principal }) =>
      Response.json({ principal }),
    );
    expect((await route(makeRequest(), {})).status).toBe(401);
    const ok = await route(makeRequest({ cookies: await cookieAfterSet(sessions, 's', { id: 'u7' }) }), {});
    expect(await ok.json()).toEqual({ principal: 'u7' });
    const banned = await route(makeRequest({ cookies: await cookieAfterSet(sessions, 's', { id: 'banned' }) }), {});
    expect(banned.status).toBe(401);
  });
});

describe('keys are bound to the session', () => {
  it('encrypted values of one session do not open in another with the same secret', async () => {
    const sessions = defineSessions({
      a: cookie<User>({ transform: encrypted({ secret: SECRET }) }),
      b: cookie<User>({ transform: encrypted({ secret: SECRET }) }),
    });
    const value = (await cookieAfterSet(sessions, 'a', { id: 'x' })).slice(2);
    const { result } = await exchange(sessions, { cookies: { b: value } }, (s) => s.get('b'));
    expect(result).toBeUndefined();
    const other = defineSessions({ a: cookie<User>({ transform: encrypted({ secret: OTHER_SECRET }) }) });
    expect((await exchange(other, { cookies: { a: value } }, (s) => s.get('a'))).result).toBeUndefined();
  });
});

describe('types', () => {
  const typed = defineSessions({
    user: cookie<User>({ transform: encrypted({ secret: SECRET }) }),
    cart: header<number[]>({ name: 'X-Cart' }),
  });

  it('flows the data types to get/set', async () => {
    const s = typed.forRequest(makeRequest());
    expectTypeOf(s.get('user')).resolves.toEqualTypeOf<User | undefined>();
    expectTypeOf(s.get('cart')).resolves.toEqualTypeOf<number[] | undefined>();
    expectTypeOf(typed.names).toEqualTypeOf<readonly ('user' | 'cart')[]>();

    // Never called: these only have to fail type checking.
    const wrong = async () => {
      // @ts-expect-error: a number is not a User
      await s.set('user', 42);
      // @ts-expect-error: id must be a string
      await s.set('user', { id: 1 });
      // @ts-expect-error: cart holds numbers
      await s.set('cart', ['a']);
      // @ts-expect-error: no session named "nope"
      await s.get('nope');
      // @ts-expect-error: no session named "nope"
      await s.clear('nope');
    };
    expect(typeof wrong).toBe('function');

    await s.set('cart', [1, 2]);
    expect(await s.get('cart')).toEqual([1, 2]);
  });
});

describe('sessions.describe', () => {
  const sessions = defineSessions({
    s: cookie<User>({ transform: signed({ secret: SECRET }) }),
    h: header<User>({ name: 'X-Session', storage: mapStorage() }),
  });

  it('gives the transport, wire name, tracking, lifetime and resolved cookie attributes', () => {
    expect(sessions.describe('s')).toEqual({
      name: 's',
      transport: 'cookie',
      wireName: 's',
      tracking: 'value',
      lifetime: { maxAge: 7 * 24 * 3600, idleTimeout: undefined, absoluteTimeout: undefined, rolling: false },
      cookie: {
        maxAge: 7 * 24 * 3600,
        path: '/',
        domain: undefined,
        secure: false,
        httpOnly: true,
        sameSite: 'lax',
        partitioned: false,
      },
    });
    expect(sessions.describe('h')).toMatchObject({ transport: 'header', wireName: 'X-Session', tracking: 'id' });
    expect(sessions.describe('h').cookie).toBeUndefined();
  });
});

describe("protect's challenge", () => {
  const sessions = defineSessions({ s: cookie<User>({ transform: signed({ secret: SECRET }) }) });
  const secret = () => new Response('secret');

  it('a path is answered with a redirect: 307 for GET and HEAD, 303 for other methods', async () => {
    const route = sessions.protect('s', { challenge: '/login?next=%2Faccount' }, secret);
    for (const [method, status] of [['GET', 307], ['HEAD', 307], ['POST', 303], ['DELETE', 303]] as const) {
      const response = await route(makeRequest({ method, path: '/account' }), {});
      expect(response.status, method).toBe(status);
      expect(response.headers.get('location')).toBe(`${ORIGIN}/login?next=%2Faccount`);
    }
  });

  it('an absolute URL is kept; a valid session runs the handler', async () => {
    const route = sessions.protect('s', { challenge: 'https://login.example/start' }, secret);
    expect((await route(makeRequest(), {})).headers.get('location')).toBe('https://login.example/start');
    const ok = await route(makeRequest({ cookies: await cookieAfterSet(sessions, 's', { id: 'u' }) }), {});
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('secret');
  });

  it('the redirect clears an invalid cookie on its way', async () => {
    const route = sessions.protect('s', { challenge: '/login' }, secret);
    const response = await route(makeRequest({ cookies: { s: 'forged' } }), {});
    expect(response.status).toBe(307);
    const c = setCookieFor(response, 's');
    expect(c && isClearing(c)).toBe(true);
  });

  it('a function still answers as it likes; anything else is a configuration error at definition', async () => {
    const route = sessions.protect('s', { challenge: () => new Response('no', { status: 418 }) }, secret);
    expect((await route(makeRequest(), {})).status).toBe(418);
    for (const bad of ['http://[::1', 42, {}]) {
      expect(codeOf(() => sessions.protect('s', { challenge: bad as never }, secret)), String(bad)).toBe('ERR_SESSION_CONFIG');
    }
  });
});
