/**
 * The cookie transport: attributes, values that survive a real Set-Cookie →
 * Cookie exchange, garbage from the client, the 4096-byte limit and duplicate
 * names.
 */
import { describe, expect, it, vi } from 'vitest';
import { SessionConflictError, type Sessions, cookie, defineSessions, encrypted, signed } from '../index.ts';
import {
  SECRET,
  type User,
  cookieAfterSet,
  cookieHeaderFrom,
  exchange,
  isClearing,
  makeRequest,
  mapStorage,
  sendsNoLiveCookie,
  setCookieFor,
  setCookies,
} from '../../test/helpers.ts';
import { keyOf, spyStorage } from '../../test/spy-storage.ts';

describe('cookie attributes', () => {
  it('defaults: Path=/, HttpOnly, SameSite=Lax, Max-Age 7 days, no Secure outside production', async () => {
    const sessions = defineSessions({ s: cookie<User>() });
    const { response } = await exchange(sessions, {}, (s) => s.set('s', { id: 'x' }));
    const c = setCookieFor(response, 's');
    expect(c?.attributes.get('path')).toBe('/');
    expect(c?.attributes.has('httponly')).toBe(true);
    expect(c?.attributes.get('samesite')?.toLowerCase()).toBe('lax');
    expect(c?.attributes.get('max-age')).toBe(String(7 * 24 * 3600));
    expect(c?.attributes.has('secure')).toBe(false);
    expect(c?.attributes.has('partitioned')).toBe(false);
  });

  it('honours domain, path, maxAge, secure, sameSite, httpOnly and partitioned', async () => {
    const sessions = defineSessions({
      s: cookie<User>({
        cookie: {
          domain: 'example.com',
          path: '/app',
          maxAge: 3600,
          secure: true,
          sameSite: 'none',
          httpOnly: false,
          partitioned: true,
          name: 'my_cookie',
        },
      }),
    });
    const { response } = await exchange(sessions, {}, (s) => s.set('s', { id: 'x' }));
    expect(setCookieFor(response, 's')).toBeUndefined();
    const c = setCookieFor(response, 'my_cookie');
    expect(c?.attributes.get('domain')).toBe('example.com');
    expect(c?.attributes.get('path')).toBe('/app');
    expect(c?.attributes.get('max-age')).toBe('3600');
    expect(c?.attributes.has('secure')).toBe(true);
    expect(c?.attributes.get('samesite')?.toLowerCase()).toBe('none');
    expect(c?.attributes.has('httponly')).toBe(false);
    expect(c?.attributes.has('partitioned')).toBe(true);
  });

  it('SameSite=Strict and the secure prefixes force Secure', async () => {
    const sessions = defineSessions({
      a: cookie<User>({ cookie: { sameSite: 'strict' } }),
      b: cookie<User>({ cookie: { name: '__Host-b' } }),
      c: cookie<User>({ cookie: { name: '__Secure-c' } }),
      d: cookie<User>({ cookie: { partitioned: true } }),
    });
    const { response } = await exchange(sessions, {}, async (s) => {
      await s.set('a', { id: '1' });
      await s.set('b', { id: '2' });
      await s.set('c', { id: '3' });
      await s.set('d', { id: '4' });
    });
    expect(setCookieFor(response, 'a')?.attributes.get('samesite')?.toLowerCase()).toBe('strict');
    expect(setCookieFor(response, '__Host-b')?.attributes.has('secure')).toBe(true);
    expect(setCookieFor(response, '__Host-b')?.attributes.get('path')).toBe('/');
    expect(setCookieFor(response, '__Host-b')?.attributes.has('domain')).toBe(false);
    expect(setCookieFor(response, '__Secure-c')?.attributes.has('secure')).toBe(true);
    expect(setCookieFor(response, 'd')?.attributes.has('secure')).toBe(true);
  });

  it('maxAge: null gives a browser-session cookie (no Max-Age, no Expires)', async () => {
    for (const transform of [undefined, encrypted({ secret: SECRET }), signed({ secret: SECRET })]) {
      const sessions = defineSessions({ s: cookie<User>({ transform, cookie: { maxAge: null } }) });
      const { response } = await exchange(sessions, {}, (s) => s.set('s', { id: 'x' }));
      const c = setCookieFor(response, 's');
      expect(c).toBeDefined();
      expect(c?.attributes.has('max-age')).toBe(false);
      expect(c?.attributes.has('expires')).toBe(false);
      // And it reads back later.
      const later = await exchange(sessions, { cookies: cookieHeaderFrom(response, 's') }, (s) => s.get('s'));
      expect(later.result).toEqual({ id: 'x' });
    }
  });

  it('clamps a huge maxAge to 400 days', async () => {
    const sessions = defineSessions({
      s: cookie<User>({ transform: encrypted({ secret: SECRET }), cookie: { maxAge: 10 * 365 * 24 * 3600 } }),
    });
    const { response } = await exchange(sessions, {}, (s) => s.set('s', { id: 'x' }));
    expect(setCookieFor(response, 's')?.attributes.get('max-age')).toBe('34560000');
  });

  it('the clearing cookie keeps path, domain, secure, SameSite, HttpOnly and Partitioned, with Max-Age=0', async () => {
    const attributes = {
      domain: 'example.com',
      path: '/app',
      secure: true,
      sameSite: 'none',
      partitioned: true,
      maxAge: 3600,
    } as const;
    const sessions = defineSessions({ s: cookie<User>({ cookie: attributes }) });
    const cookieHeader = await cookieAfterSet(sessions, 's', { id: 'x' });
    const { response } = await exchange(sessions, { cookies: cookieHeader, path: '/app' }, (s) => s.clear('s'));
    const c = setCookieFor(response, 's');
    expect(c?.value).toBe('');
    expect(c?.attributes.get('max-age')).toBe('0');
    expect(Date.parse(c?.attributes.get('expires') ?? '')).toBeLessThanOrEqual(0);
    expect(c?.attributes.get('domain')).toBe('example.com');
    expect(c?.attributes.get('path')).toBe('/app');
    expect(c?.attributes.has('secure')).toBe(true);
    expect(c?.attributes.get('samesite')?.toLowerCase()).toBe('none');
    expect(c?.attributes.has('httponly')).toBe(true);
    expect(c?.attributes.has('partitioned')).toBe(true);
  });
});

describe('Ktor: garbage from the client reads as no session', () => {
  const GARBAGE_10KB = Array.from({ length: 10_240 }, (_, i) => 'abcXYZ019-_.%/:'.charAt(i % 15)).join('');
  const BAD = ['INVALID', 'abc/abc:abc', 'a'.repeat(10_240), GARBAGE_10KB, '%E0%A4%A', '..', 'a.b.c.d.e', '%7B%22id'];

  const configs = {
    plain: cookie<User>(),
    encrypted: cookie<User>({ transform: encrypted({ secret: SECRET }) }),
    signed: cookie<User>({ transform: signed({ secret: SECRET }) }),
    byId: cookie<User>({ storage: mapStorage(), transform: signed({ secret: SECRET }) }),
  };

  for (const [label, definition] of Object.entries(configs)) {
    const sessions = defineSessions({ s: definition });

    it(`${label}: bad values read as no session, without throwing, and the response clears the cookie`, async () => {
      for (const bad of BAD) {
        const { response, result } = await exchange(sessions, { cookies: { s: bad } }, (s) => s.get('s'));
        expect(result, bad).toBeUndefined();
        const c = setCookieFor(response, 's');
        expect(c && isClearing(c), `clears after ${bad.slice(0, 20)}`).toBe(true);
      }
    });

    it(`${label}: an empty value reads as no session and sets no live cookie`, async () => {
      const { response, result } = await exchange(sessions, { cookies: 's=' }, (s) => s.get('s'));
      expect(result).toBeUndefined();
      expect(sendsNoLiveCookie(response, 's')).toBe(true);
    });

    it(`${label}: a value made for another session name does not open`, async () => {
      const other = defineSessions({ t: definition });
      const value = (await cookieAfterSet(other, 't', { id: 'x' })).slice(2);
      const { result } = await exchange(sessions, { cookies: { s: value } }, (s) => s.get('s'));
      if (label === 'plain') expect(result).toEqual({ id: 'x' }); // unprotected: nothing binds it to a name
      else expect(result).toBeUndefined();
    });
  }

  it('a bad value that is never read is left alone', async () => {
    const sessions = defineSessions({ s: cookie<User>() });
    const { response } = await exchange(sessions, { cookies: { s: 'INVALID' } }, async () => undefined);
    expect(setCookies(response)).toEqual([]);
  });
});

describe('values round-trip through a real Set-Cookie → Cookie exchange', () => {
  const SPECIAL = [
    'hello world',
    'semi;colon',
    'comma, and = equals',
    '"double" and \'single\' quotes',
    'back\\slash',
    'emoji 😀🎉 and ünïcödé',
    'ctrl\u0001\t\n',
    'percent 100%',
  ];

  for (const transform of ['plain', 'encrypted', 'signed'] as const) {
    const sessions = defineSessions({
      s: cookie<{ text: string }>({
        transform: transform === 'plain' ? undefined : transform === 'encrypted' ? encrypted({ secret: SECRET }) : signed({ secret: SECRET }),
      }),
    });

    it(`${transform}: spaces, ";", quotes, emoji`, async () => {
      for (const text of SPECIAL) {
        const cookieHeader = await cookieAfterSet(sessions, 's', { text });
        // The wire value is a valid cookie-octet string: no spaces, quotes, commas, semicolons or backslashes.
        expect(cookieHeader.slice(2)).toMatch(/^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]+$/);
        const { result } = await exchange(sessions, { cookies: cookieHeader }, (s) => s.get('s'));
        expect(result, text).toEqual({ text });
      }
    });

    it(`${transform}: text that looks percent-encoded ("%41", "%2F", "%25") stays as written`, async () => {
      const texts = ['%41', 'a%2Fb', '%25', '100%25 sure', '%E2%82%AC'];
      const readBack: string[] = [];
      for (const text of texts) {
        const cookieHeader = await cookieAfterSet(sessions, 's', { text });
        const { result } = await exchange(sessions, { cookies: cookieHeader }, (s) => s.get('s'));
        readBack.push(result?.text ?? '(no session)');
      }
      expect(readBack).toEqual(texts);
    });
  }
});

describe('size limit', () => {
  it('name + value over 4096 bytes throws SessionTooLargeError at set, and 4096 exactly fits', async () => {
    const sessions = defineSessions({ s: cookie<string>() });
    // `s=` + `%22` + n × `a` + `%22` is n + 8 bytes.
    const fits = await exchange(sessions, {}, (s) => s.set('s', 'a'.repeat(4088)));
    expect(setCookieFor(fits.response, 's')?.raw.split(';')[0]).toHaveLength(4096);

    const s = sessions.forRequest(makeRequest());
    await expect(s.set('s', 'a'.repeat(4089))).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE', limit: 4096 });
    // Nothing is sent for the failed write.
    expect(setCookies(s.applyTo(new Response('ok')))).toEqual([]);
  });

  it('counts the encoded size (multi-byte text expands) and applies to encrypted values', async () => {
    const sessions = defineSessions({
      plain: cookie<string>(),
      enc: cookie<string>({ transform: encrypted({ secret: SECRET }) }),
    });
    const s = sessions.forRequest(makeRequest());
    await expect(s.set('plain', '😀'.repeat(400))).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
    await expect(s.set('enc', 'x'.repeat(3500))).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
    await expect(s.set('enc', 'x'.repeat(2000))).resolves.toBeUndefined();
  });

});

describe('duplicate cookie names are ambiguous (cookie tossing)', () => {
  const store = mapStorage();
  const sessions = defineSessions({
    s: cookie<User>({ transform: signed({ secret: SECRET }) }),
    byId: cookie<User>({ storage: store }),
  });
  const issuedValue = async (name: 's' | 'byId', user: User) => (await cookieAfterSet(sessions, name, user)).split('=')[1] as string;

  it("the attacker's value first, the victim's second: no session, and no Set-Cookie at all", async () => {
    const attacker = await issuedValue('s', { id: 'attacker' });
    const victim = await issuedValue('s', { id: 'victim' });
    for (const cookies of [`s=${attacker}; s=${victim}`, `s=${victim}; s=${attacker}`]) {
      const { response, result } = await exchange(sessions, { cookies }, (s) => s.get('s'));
      expect(result).toBeUndefined();
      expect(setCookies(response)).toEqual([]);
    }
  });

  it("garbage beside the victim's cookie does not clear the victim's cookie", async () => {
    const victim = await issuedValue('s', { id: 'victim' });
    for (const cookies of [`s=garbage; s=${victim}`, `s=; s=${victim}`, `s=${victim}; other=1; s=x`]) {
      const { response, result } = await exchange(sessions, { cookies }, (s) => s.get('s'));
      expect(result, cookies).toBeUndefined();
      expect(setCookieFor(response, 's'), cookies).toBeUndefined();
    }
  });

  it('by id: two ids read as no session and the stored records stay', async () => {
    const a = await issuedValue('byId', { id: 'a' });
    const b = await issuedValue('byId', { id: 'b' });
    const records = store.map.size;
    const { response, result } = await exchange(sessions, { cookies: `byId=${a}; byId=${b}` }, (s) => s.get('byId'));
    expect(result).toBeUndefined();
    expect(setCookies(response)).toEqual([]);
    expect(store.map.size).toBe(records);
    expect((await exchange(sessions, { cookies: `byId=${b}` }, (s) => s.get('byId'))).result).toEqual({ id: 'b' });
  });

  it('the same value sent twice is not ambiguous', async () => {
    const victim = await issuedValue('s', { id: 'victim' });
    const { result } = await exchange(sessions, { cookies: `s=${victim}; s=${victim}` }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'victim' });
  });

  it('writing over an ambiguous cookie is refused with SessionConflictError, and nothing is sent', async () => {
    for (const name of ['s', 'byId'] as const) {
      const request = sessions.forRequest(makeRequest({ cookies: `${name}=a; ${name}=b` }));
      expect(await request.get(name)).toBeUndefined();
      await expect(request.set(name, { id: 'fresh' })).rejects.toBeInstanceOf(SessionConflictError);
      await expect(request.update(name, () => ({ id: 'fresh' }))).rejects.toMatchObject({ code: 'ERR_SESSION_CONFLICT' });
      await expect(request.getOrSet(name, () => ({ id: 'fresh' }))).rejects.toMatchObject({ code: 'ERR_SESSION_CONFLICT' });
      // A clear would replace the user's real cookie too: it is accepted and sends nothing.
      await expect(request.clear(name)).resolves.toBeUndefined();
      expect(setCookies(request.applyTo(new Response('ok'))), name).toEqual([]);
    }
  });

  it('other cookies of the same request are unaffected', async () => {
    const s1 = await issuedValue('s', { id: 'one' });
    const { result } = await exchange(sessions, { cookies: `byId=x; byId=y; s=${s1}` }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'one' });
  });
});

describe('cookie tossing on a by-id session, through handler()', () => {
  function setup() {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    return { spy, sessions };
  }

  /** Two real sessions' ids, sent together as a sibling subdomain could make a browser do. */
  async function tossed(sessions: Sessions<{ s: User }>): Promise<{ cookies: string; ids: string[] }> {
    const ids = [await cookieAfterSet(sessions, 's', { id: 'victim' }), await cookieAfterSet(sessions, 's', { id: 'attacker' })].map(
      (header) => header.slice('s='.length),
    );
    return { cookies: `s=${ids[0]}; s=${ids[1]}`, ids };
  }

  const untouched = { read: 0, create: 0, compareAndSet: 0, invalidate: 0 };

  it('get: no session, no Set-Cookie at all, and storage is not asked', async () => {
    const { spy, sessions } = setup();
    const { cookies } = await tossed(sessions);
    Object.assign(spy.calls, untouched);
    const route = sessions.handler(async (_request, { session }) => Response.json({ user: (await session.get('s')) ?? null }));
    const response = await route(makeRequest({ cookies }), {});
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: null });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(spy.calls).toEqual(untouched);
  });

  it.each(['set', 'update', 'regenerate'] as const)('POST calling %s: 409, no Set-Cookie, storage untouched', async (action) => {
    const { spy, sessions } = setup();
    const { cookies, ids } = await tossed(sessions);
    const stored = new Map(spy.map);
    Object.assign(spy.calls, untouched);
    const fn = vi.fn(() => ({ id: 'planted' }));
    const route = sessions.handler(async (_request, { session }) => {
      if (action === 'set') await session.set('s', { id: 'planted' });
      else if (action === 'update') await session.update('s', fn);
      else await session.regenerate('s');
      return new Response('ok');
    });
    const response = await route(makeRequest({ method: 'POST', cookies }), {});
    expect(response.status).toBe(409);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(fn).not.toHaveBeenCalled();
    // No create (no new id), no compare-and-set, no invalidate: both real sessions live on.
    expect(spy.calls).toEqual(untouched);
    expect(spy.map).toEqual(stored);
    for (const [i, id] of ids.entries()) {
      expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: i === 0 ? 'victim' : 'attacker' });
    }
  });

  it('POST calling clear: no Set-Cookie, and neither stored session ends', async () => {
    const { spy, sessions } = setup();
    const { cookies, ids } = await tossed(sessions);
    Object.assign(spy.calls, untouched);
    const route = sessions.handler(async (_request, { session }) => {
      await session.clear('s');
      return new Response(null, { status: 204 });
    });
    const response = await route(makeRequest({ method: 'POST', cookies }), {});
    expect(response.status).toBe(204);
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(spy.calls).toEqual(untouched);
    expect([...spy.map.keys()].sort()).toEqual(ids.map(keyOf).sort());
  });
});
