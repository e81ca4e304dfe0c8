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

vi.mock('next/headers', () => ({
  headers: async () => state.requestHeaders,
  cookies: async () => ({
    get(name: string) {
      const match = (state.requestHeaders.get('cookie') ?? '').split('; ').find((c) => c.startsWith(`${name}=`));
      return match === undefined ? undefined : { name, value: decodeURIComponent(match.slice(name.length + 1)) };
    },
    set(name: string, value: string, options: Record<string, unknown>) {
      if (state.readOnly) throw new Error('Cookies can only be modified in a Server Action or Route Handler.');
      state.written.push({ name, value, options });
    },
  }),
}));

vi.mock('next/navigation', () => ({
  redirect(url: string): never {
    throw Object.assign(new Error('NEXT_REDIRECT'), { url });
  },
}));

const { cookie, defineSessions, encrypted, header, memoryStorage } = await import('../index');

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
    expect(state.written).toHaveLength(1);
    const [write] = state.written;
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
    expect(state.written[0]).toMatchObject({ name: 'user', value: '', options: { maxAge: 0 } });
  });
});

describe('sessions.current() while rendering a Server Component', () => {
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
