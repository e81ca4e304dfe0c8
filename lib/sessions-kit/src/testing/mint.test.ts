/** mintSession: what it hands a test is a session the app itself accepts, for every kind of session. */
import { describe, expect, it } from 'vitest';
import { cookie, defineSessions, encrypted, header, memoryStorage, signed } from '../index.ts';
import { mintSession } from '../testing.ts';
import { SECRET, makeRequest } from '../../test/helpers.ts';

const storage = memoryStorage();
const sessions = defineSessions({
  user: cookie<{ name: string }>({ transform: encrypted({ secret: SECRET }), cookie: { maxAge: 3600, sameSite: 'strict' } }),
  auth: cookie<{ userId: string }>({ storage, owner: (s) => s.userId, cookie: { name: '__Host-auth' } }),
  cart: header<{ items: string[] }>({ name: 'X-Cart', storage, transform: signed({ secret: SECRET }) }),
});

describe('mintSession', () => {
  it('by value: the exact JWE the app would set, as a Cookie header, a Set-Cookie and a Playwright cookie', async () => {
    const minted = await mintSession(sessions, 'user', { name: 'ada' }, { url: 'http://127.0.0.1:3100/' });
    expect(minted.value.split('.')).toHaveLength(5);
    expect(minted.setCookie).toMatch(/^user=.+; Max-Age=3600; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(await sessions.forRequest(makeRequest({ cookies: minted.cookieHeader })).get('user')).toEqual({ name: 'ada' });
    expect(minted.cookies).toEqual([
      { name: 'user', value: minted.value, domain: '127.0.0.1', path: '/', expires: expect.any(Number), httpOnly: true, secure: false, sameSite: 'Strict' },
    ]);
    expect((minted.cookies[0]?.expires ?? 0) - Date.now() / 1000).toBeGreaterThan(3590);
  });

  it('by id: a record in the app\'s own storage, listed under its owner, with the cookie\'s own name', async () => {
    const minted = await mintSession(sessions, 'auth', { userId: 'bob' });
    expect(minted.name).toBe('__Host-auth');
    expect(minted.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(minted.cookies[0]).toMatchObject({ name: '__Host-auth', domain: 'localhost', secure: true, sameSite: 'Lax' });
    const session = sessions.forRequest(makeRequest({ cookies: minted.cookieHeader }));
    expect(await session.get('auth')).toEqual({ userId: 'bob' });
    expect((await session.list('auth')).map((info) => info.current)).toEqual([true]);
  });

  it('header sessions: the header pair', async () => {
    const minted = await mintSession(sessions, 'cart', { items: ['tea'] });
    expect(minted.cookies).toEqual([]);
    expect(minted.header?.[0]).toBe('X-Cart');
    const [name, value] = minted.header as [string, string];
    expect(await sessions.forRequest(makeRequest({ headers: { [name]: value } })).get('cart')).toEqual({ items: ['tea'] });
  });

  it('refuses data the session would refuse', async () => {
    await expect(mintSession(sessions, 'user', { name: 'x'.repeat(5000) })).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
  });
});
