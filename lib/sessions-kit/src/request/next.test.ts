/**
 * The Next.js adapter, with next/headers and next/navigation replaced by
 * stand-ins that behave like Next's: a cookie store whose `set` throws while
 * rendering a Server Component, and a `redirect` that throws.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const state = vi.hoisted(() => ({
  requestHeaders: new Headers(),
  readOnly: false,
  written: [] as { name: string; value: string; options: Record<string, unknown> }[],
}));

/** Like Next's store: the last of duplicate names wins, and writes show in later reads. */
function storeValue(name: string): string | undefined {
  const written = state.written.filter((w) => w.name === name).at(-1);
  if (written) return written.value;
  const sent = (state.requestHeaders.get('cookie') ?? '').split('; ').filter((c) => c.startsWith(`${name}=`));
  const last = sent.at(-1);
  return last === undefined ? undefined : decodeURIComponent(last.slice(name.length + 1));
}

vi.mock('next/headers', () => ({
  headers: async () => state.requestHeaders,
  cookies: async () => ({
    get(name: string) {
      const value = storeValue(name);
      return value === undefined ? undefined : { name, value };
    },
    set(name: string, value: string, options: Record<string, unknown>) {
      if (state.readOnly) throw new Error('Cookies can only be modified in a Server Action or Route Handler.');
      state.written.push({ name, value, options });
    },
  }),
}));

// Request-time marker: resolves at once outside a prerender.
vi.mock('next/server', () => ({ connection: async () => undefined }));

vi.mock('next/navigation', () => ({
  redirect(url: string): never {
    throw Object.assign(new Error('NEXT_REDIRECT'), { url });
  },
}));

const { cookie, defineSessions, encrypted, header, memoryStorage } = await import('../index.ts');

const secret = 'adapter-test-secret-0123456789abcdefghij';
const sessions = defineSessions({
  user: cookie<{ name: string }>({ transform: encrypted({ secret }) }),
  auth: cookie<{ user: string }>({ storage: memoryStorage() }),
  api: header<{ n: number }>({ name: 'X-Api-Session', storage: memoryStorage() }),
});

/** A value as a Route Handler would have issued it, to send back as the request's cookie. */
async function issued(name: 'user' | 'auth', value: { name: string } | { user: string }): Promise<string> {
  const session = sessions.forRequest(new Request('http://localhost/'));
  await session.set(name, value as never);
  const line = session.applyTo(new Response(null)).headers.getSetCookie()[0] as string;
  return line.split(';')[0] as string;
}

beforeEach(() => {
  state.requestHeaders = new Headers();
  state.readOnly = false;
  state.written = [];
});

describe('sessions.current() in a Server Action', () => {
  it('reads the request cookie and writes through cookies().set with the session attributes', async () => {
    state.requestHeaders.set('cookie', await issued('user', { name: 'ada' }));
    const session = await sessions.current();
    expect(await session.get('user')).toEqual({ name: 'ada' });

    await session.set('user', { name: 'grace' });
    const write = state.written.at(-1);
    expect(write?.name).toBe('user');
    expect(write?.options).toMatchObject({ path: '/', httpOnly: true, sameSite: 'lax', maxAge: 7 * 24 * 3600 });
    expect(await session.get('user')).toEqual({ name: 'grace' });
  });

  it('regenerate then set at login: a new id, and the old one is dead', async () => {
    const before = await issued('auth', { user: 'anonymous' });
    state.requestHeaders.set('cookie', before);
    const session = await sessions.current();
    await session.regenerate('auth');
    await session.set('auth', { user: 'ada' });
    const last = state.written.at(-1);
    expect(last?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(`auth=${last?.value}`).not.toBe(before);

    state.requestHeaders.set('cookie', before);
    const replay = sessions.forRequest(new Request('http://localhost/', { headers: { cookie: before } }));
    expect(await replay.get('auth')).toBeUndefined();
  });

  it('clear sends an expired cookie', async () => {
    const session = await sessions.current();
    await session.clear('user');
    expect(state.written.at(-1)).toMatchObject({ name: 'user', value: '', options: { maxAge: 0 } });
  });

  it('a value written earlier in the request (before a redirect render) is what a fresh accessor reads', async () => {
    state.requestHeaders.set('cookie', await issued('user', { name: 'ada' }));
    const action = await sessions.current();
    await action.set('user', { name: 'grace' });
    const render = await sessions.current();
    expect(render).not.toBe(action); // outside a React render there is no per-request cache
    expect(await render.get('user')).toEqual({ name: 'grace' });
  });

  it('duplicate cookie names read as no session and nothing is written, as in forRequest', async () => {
    const first = await issued('user', { name: 'first' });
    const second = await issued('user', { name: 'second' });
    state.requestHeaders.set('cookie', `${first}; ${second}`);
    expect(await (await sessions.current()).get('user')).toBeUndefined();
    state.requestHeaders.set('cookie', `user=garbage; ${second}`);
    expect(await (await sessions.current()).get('user')).toBeUndefined();
    expect(state.written).toEqual([]);
  });

  it('writes to a duplicated cookie are refused with SessionConflictError; clear writes nothing either', async () => {
    for (const name of ['user', 'auth'] as const) {
      const value = name === 'user' ? { name: 'x' } : { user: 'x' };
      const first = await issued(name, value);
      const second = await issued(name, value);
      state.requestHeaders = new Headers({ 'next-action': 'abc123', cookie: `${first}; ${second}` });
      state.written = [];
      const session = await sessions.current();
      await expect(session.set(name, value as never), name).rejects.toMatchObject({ code: 'ERR_SESSION_CONFLICT' });
      await expect(session.update(name, () => value as never)).rejects.toMatchObject({ code: 'ERR_SESSION_CONFLICT' });
      if (name === 'auth') await expect(session.regenerate(name)).rejects.toMatchObject({ code: 'ERR_SESSION_CONFLICT' });
      await session.clear(name);
      expect(state.written, name).toEqual([]);
    }
  });
});

describe('sessions.current() in a cross-site Server Action', () => {
  const action = { 'next-action': 'abc123', 'content-type': 'text/plain;charset=UTF-8' };

  it('writes are refused with SessionCrossSiteError before storage is touched, and nothing is written', async () => {
    const cookieLine = await issued('auth', { user: 'ada' });
    const variants: Record<string, string>[] = [
      { ...action, 'sec-fetch-site': 'cross-site' },
      { ...action, origin: 'https://evil.example', host: 'app.example' },
      { ...action, origin: 'null', host: 'app.example' },
      { 'content-type': 'multipart/form-data; boundary=x', 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of variants) {
      state.requestHeaders = new Headers({ ...headers, cookie: cookieLine });
      state.written = [];
      const session = await sessions.current();
      await expect(session.clear('auth'), JSON.stringify(headers)).rejects.toMatchObject({ code: 'ERR_SESSION_CROSS_SITE' });
      await expect(session.set('auth', { user: 'mallory' })).rejects.toMatchObject({ code: 'ERR_SESSION_CROSS_SITE' });
      await expect(session.regenerate('auth')).rejects.toMatchObject({ code: 'ERR_SESSION_CROSS_SITE' });
      await expect(session.set('user', { name: 'mallory' })).rejects.toMatchObject({ code: 'ERR_SESSION_CROSS_SITE' });
      expect(state.written).toEqual([]);
    }
    // The stored session survived every attempt.
    const check = sessions.forRequest(new Request('http://localhost/', { headers: { cookie: cookieLine } }));
    expect(await check.get('auth')).toEqual({ user: 'ada' });
  });

  it('a cross-site action does not get to read a guarded cookie session either', async () => {
    state.requestHeaders = new Headers({ ...action, 'sec-fetch-site': 'cross-site', cookie: await issued('user', { name: 'ada' }) });
    expect(await (await sessions.current()).get('user')).toBeUndefined();
  });

  it('same-origin actions write; a same-host Origin counts as same-site without Sec-Fetch-Site', async () => {
    for (const headers of [{ ...action, 'sec-fetch-site': 'same-origin' }, { ...action, origin: 'https://app.example', host: 'app.example' }]) {
      state.requestHeaders = new Headers(headers);
      state.written = [];
      await (await sessions.current()).set('user', { name: 'ada' });
      expect(state.written.at(-1)?.name).toBe('user');
    }
  });

  it("the scheme counts too, taken from Next's X-Forwarded-Proto: an http Origin does not write to an https app", async () => {
    const refused = [
      { ...action, origin: 'http://app.example', host: 'app.example', 'x-forwarded-proto': 'https' },
      { ...action, origin: 'https://app.example', host: 'app.example', 'x-forwarded-proto': 'http' },
      { ...action, origin: 'https://app.example:8443', host: 'app.example', 'x-forwarded-proto': 'https' },
    ];
    for (const headers of refused) {
      state.requestHeaders = new Headers(headers);
      state.written = [];
      await expect((await sessions.current()).set('user', { name: 'mallory' }), JSON.stringify(headers)).rejects.toMatchObject({
        code: 'ERR_SESSION_CROSS_SITE',
      });
      expect(state.written).toEqual([]);
    }
    for (const headers of [
      { ...action, origin: 'https://app.example', host: 'app.example', 'x-forwarded-proto': 'https' },
      { ...action, origin: 'http://localhost:3000', host: 'localhost:3000', 'x-forwarded-proto': 'http' },
    ]) {
      state.requestHeaders = new Headers(headers);
      state.written = [];
      await (await sessions.current()).set('user', { name: 'ada' });
      expect(state.written.at(-1)?.name, JSON.stringify(headers)).toBe('user');
    }
  });

  it('a session with allowCrossSite: true may be written', async () => {
    const open = defineSessions({ o: cookie<{ n: number }>({ allowCrossSite: true }) });
    state.requestHeaders = new Headers({ ...action, 'sec-fetch-site': 'cross-site' });
    await (await open.current()).set('o', { n: 1 });
    expect(state.written.at(-1)?.name).toBe('o');
  });

  it('a Server Component reached by a cross-site link reads normally; its writes are read-only errors', async () => {
    state.readOnly = true;
    state.requestHeaders = new Headers({ 'sec-fetch-site': 'cross-site', cookie: await issued('user', { name: 'ada' }) });
    const session = await sessions.current();
    expect(await session.get('user')).toEqual({ name: 'ada' });
    await expect(session.set('user', { name: 'eve' })).rejects.toMatchObject({ code: 'ERR_SESSION_READ_ONLY' });
  });
});

describe('sessions.current() while rendering a Server Component', () => {
  it('a refused write touches no storage: set, clear and regenerate leave the stored session intact', async () => {
    const cookieLine = await issued('auth', { user: 'ada' });
    state.readOnly = true;
    state.requestHeaders.set('cookie', cookieLine);
    const session = await sessions.current();
    await expect(session.set('auth', { user: 'mallory' })).rejects.toMatchObject({ code: 'ERR_SESSION_READ_ONLY' });
    await expect(session.regenerate('auth')).rejects.toMatchObject({ code: 'ERR_SESSION_READ_ONLY' });
    await expect(session.clear('auth')).rejects.toMatchObject({ code: 'ERR_SESSION_READ_ONLY' });
    const check = sessions.forRequest(new Request('http://localhost/', { headers: { cookie: cookieLine } }));
    expect(await check.get('auth')).toEqual({ user: 'ada' });
  });

  it('reads work; set and clear reject with SessionReadOnlyError saying where writes go', async () => {
    state.readOnly = true;
    state.requestHeaders.set('cookie', await issued('user', { name: 'ada' }));
    const session = await sessions.current();
    expect(await session.get('user')).toEqual({ name: 'ada' });
    await expect(session.set('user', { name: 'eve' })).rejects.toMatchObject({ code: 'ERR_SESSION_READ_ONLY' });
    await expect(session.clear('user')).rejects.toMatchObject({ code: 'ERR_SESSION_READ_ONLY' });
  });

  it('clearing invalid input is best-effort: a tampered cookie still reads as no session', async () => {
    state.readOnly = true;
    state.requestHeaders.set('cookie', 'user=INVALID');
    const session = await sessions.current();
    expect(await session.get('user')).toBeUndefined();
  });

  it('header sessions can be read but not written outside a Route Handler', async () => {
    const session = await sessions.current();
    expect(await session.get('api')).toBeUndefined();
    await expect(session.set('api', { n: 1 })).rejects.toMatchObject({ code: 'ERR_SESSION_READ_ONLY' });
  });
});

describe('sessions.require()', () => {
  it('returns the session data when present', async () => {
    state.requestHeaders.set('cookie', await issued('user', { name: 'ada' }));
    expect(await sessions.require('user', { redirectTo: '/login' })).toEqual({ name: 'ada' });
  });

  it('redirects without a session, or when validate refuses it', async () => {
    await expect(sessions.require('user', { redirectTo: '/login' })).rejects.toMatchObject({ url: '/login' });
    state.requestHeaders.set('cookie', await issued('user', { name: 'eve' }));
    await expect(
      sessions.require('user', { redirectTo: '/denied', validate: (u) => u.name === 'ada' }),
    ).rejects.toMatchObject({ url: '/denied' });
  });
});
