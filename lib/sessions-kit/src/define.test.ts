/**
 * defineSessions end to end, through Web Request/Response: Ktor's sessions
 * tests that apply here, cookie and header transports, definition errors,
 * cross-site refusal, the 503 mapping and the type-level API.
 */
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  type SessionTransformer,
  type Sessions,
  cookie,
  defineSessions,
  encrypted,
  header,
  signed,
} from './index.ts';
import {
  OTHER_SECRET,
  ORIGIN,
  type RequestInit2,
  SECRET,
  cookieHeaderFrom,
  failingStorage,
  isClearing,
  makeRequest,
  mapStorage,
  sendsNoLiveCookie,
  setCookieFor,
  setCookies,
  wireValue,
  exchange,
} from './test-helpers.testutil.ts';

interface User {
  id: string;
  name?: string;
}

/** Writes `value` in one request and returns the `Cookie` header a browser would send back. */
async function cookieAfterSet<D, K extends keyof D & string>(sessions: Sessions<D>, name: K, value: D[K]): Promise<string> {
  const { response } = await exchange(sessions, {}, (s) => s.set(name, value));
  return cookieHeaderFrom(response, name);
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

afterEach(() => {
  vi.useRealTimers();
});

describe('Ktor: basic cookie sessions', () => {
  const sessions = defineSessions({ s: cookie<User>() });

  it('has no session by default and sends no Set-Cookie', async () => {
    const { response, result } = await exchange(sessions, {}, (s) => s.get('s'));
    expect(result).toBeUndefined();
    expect(setCookies(response)).toEqual([]);
    expect(response.headers.get('cache-control')).toBeNull();
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
    expect(response.headers.get('cache-control')).toBeNull();
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

  it('the first of duplicate cookie names wins', async () => {
    const a = (await cookieAfterSet(sessions, 's', { id: 'first' })).slice(2);
    const b = (await cookieAfterSet(sessions, 's', { id: 'second' })).slice(2);
    const { result } = await exchange(sessions, { cookies: `s=${a}; s=${b}` }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'first' });
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

describe('Ktor: transformers', () => {
  const prefixer = (prefix: string): SessionTransformer => ({
    write: (value) => `${prefix}${value}`,
    read: (value) => (value.startsWith(prefix) ? value.slice(prefix.length) : undefined),
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

  it('applies to header sessions too', async () => {
    const sessions = defineSessions({ h: header<string>({ name: 'X-Session' }) });
    const s = sessions.forRequest(makeRequest());
    await expect(s.set('h', 'x'.repeat(5000))).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE' });
  });
});

describe('typed errors at definition time', () => {
  it('short or missing secrets', () => {
    expect(codeOf(() => encrypted({ secret: 'too-short' }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => encrypted({ secret: 'x'.repeat(31) }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => encrypted({ secret: 'x'.repeat(32) }))).toBeUndefined();
    expect(codeOf(() => encrypted({ secret: [] }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => encrypted({ secret: [SECRET, 'short'] }))).toBe('ERR_SESSION_CONFIG');
    expect(codeOf(() => encrypted({ secret: undefined }))).toBe('ERR_SESSION_CONFIG');
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

describe('cross-site writes (login CSRF)', () => {
  const sessions = defineSessions({
    s: cookie<User>({ transform: signed({ secret: SECRET }) }),
    open: cookie<User>({ transform: signed({ secret: SECRET }), allowCrossSite: true }),
    h: header<User>({ name: 'X-Session', transform: signed({ secret: SECRET }) }),
  });
  const crossSite = { method: 'POST', headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } };

  it('a cross-site POST without a cookie cannot plant a cookie session: 403 and no Set-Cookie', async () => {
    const login = sessions.handler(async (_request, { session }) => {
      await session.set('s', { id: 'attacker' });
      return Response.json({ ok: true });
    });
    const response = await login(makeRequest(crossSite), {});
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('forRequest rejects the write with ERR_SESSION_CROSS_SITE; opted-out and header sessions may be written', async () => {
    const session = sessions.forRequest(makeRequest(crossSite));
    await expect(session.set('s', { id: 'x' })).rejects.toMatchObject({ code: 'ERR_SESSION_CROSS_SITE' });
    await expect(session.clear('s')).rejects.toMatchObject({ code: 'ERR_SESSION_CROSS_SITE' });
    await session.set('open', { id: 'ok' });
    await session.set('h', { id: 'ok' });
    const response = session.applyTo(new Response(null));
    expect(response.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['open']);
    expect(response.headers.get('X-Session')).toBeTruthy();
  });

  it('same-site and header-less requests write normally', async () => {
    for (const headers of [{ 'sec-fetch-site': 'same-origin' }, {}] as Record<string, string>[]) {
      const session = sessions.forRequest(makeRequest({ method: 'POST', headers }));
      await session.set('s', { id: 'fine' });
      expect(session.applyTo(new Response(null)).headers.getSetCookie()).toHaveLength(1);
    }
  });
});

describe('cross-site requests (sessions.handler)', () => {
  const sessions = defineSessions({
    s: cookie<User>({ transform: signed({ secret: SECRET }) }),
    open: cookie<User>({ transform: signed({ secret: SECRET }), allowCrossSite: true }),
    h: header<User>({ name: 'X-Session', transform: signed({ secret: SECRET }) }),
  });
  let ran = 0;
  const route = sessions.handler(async (_request, { session }) => {
    ran++;
    return Response.json({ s: (await session.get('s')) ?? null, open: (await session.get('open')) ?? null, h: (await session.get('h')) ?? null });
  });
  const call = async (init: RequestInit2) => {
    ran = 0;
    const response = await route(makeRequest(init), {});
    return { response, ran, body: response.status === 200 ? await response.json() : undefined };
  };
  let sCookie = '';
  let openCookie = '';
  let hValue = '';

  it('prepares values', async () => {
    const { response } = await exchange(sessions, {}, async (s) => {
      await s.set('s', { id: 's' });
      await s.set('open', { id: 'open' });
      await s.set('h', { id: 'h' });
    });
    sCookie = cookieHeaderFrom(response, 's');
    openCookie = cookieHeaderFrom(response, 'open');
    hValue = response.headers.get('X-Session') ?? '';
    expect(hValue).not.toBe('');
  });

  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'post']) {
    it(`${method} with Sec-Fetch-Site: cross-site and a cookie session → 403 before the handler`, async () => {
      const r = await call({ method, cookies: sCookie, headers: { 'sec-fetch-site': 'cross-site' } });
      expect(r.response.status).toBe(403);
      expect(r.ran).toBe(0);
      expect(r.response.headers.getSetCookie()).toEqual([]);
    });
  }

  it('POST with a foreign Origin (no Sec-Fetch-Site) → 403', async () => {
    const r = await call({ method: 'POST', cookies: sCookie, headers: { origin: 'https://evil.example' } });
    expect(r.response.status).toBe(403);
    expect(r.ran).toBe(0);
  });

  it('POST with Origin: null → 403', async () => {
    const r = await call({ method: 'POST', cookies: sCookie, headers: { origin: 'null' } });
    expect(r.response.status).toBe(403);
  });

  it('POST from the same origin or same site passes', async () => {
    const variants: Record<string, string>[] = [
      { origin: ORIGIN },
      { 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'none' },
    ];
    for (const headers of variants) {
      const r = await call({ method: 'POST', cookies: sCookie, headers });
      expect(r.response.status, JSON.stringify(headers)).toBe(200);
      expect(r.body.s).toEqual({ id: 's' });
    }
  });

  it('POST without Origin or Sec-Fetch-Site passes (curl, server to server)', async () => {
    const r = await call({ method: 'POST', cookies: sCookie });
    expect(r.response.status).toBe(200);
    expect(r.body.s).toEqual({ id: 's' });
  });

  it('GET, HEAD and OPTIONS are not affected', async () => {
    const r = await call({ method: 'GET', cookies: sCookie, headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } });
    expect(r.response.status).toBe(200);
    expect(r.body.s).toEqual({ id: 's' });
    for (const method of ['HEAD', 'OPTIONS']) {
      const other = await call({ method, cookies: sCookie, headers: { 'sec-fetch-site': 'cross-site' } });
      expect(other.response.status).toBe(200);
    }
  });

  it('a cross-site POST without the session cookie runs the handler', async () => {
    const r = await call({ method: 'POST', cookies: 'unrelated=1', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(r.response.status).toBe(200);
  });

  it('allowCrossSite: true lets its cookie through', async () => {
    const r = await call({ method: 'POST', cookies: openCookie, headers: { 'sec-fetch-site': 'cross-site' } });
    expect(r.response.status).toBe(200);
    expect(r.body.open).toEqual({ id: 'open' });
  });

  it('header sessions are unaffected', async () => {
    const r = await call({ method: 'POST', headers: { 'sec-fetch-site': 'cross-site', 'X-Session': hValue } });
    expect(r.response.status).toBe(200);
    expect(r.body.h).toEqual({ id: 'h' });
  });

  it('forRequest does not hand a guarded cookie session to a cross-site POST', async () => {
    const s = sessions.forRequest(makeRequest({ method: 'POST', cookies: `${sCookie}; ${openCookie}`, headers: { 'sec-fetch-site': 'cross-site' } }));
    expect(await s.get('s')).toBeUndefined();
    expect(await s.get('open')).toEqual({ id: 'open' });
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

describe('header sessions', () => {
  const sessions = defineSessions({
    h: header<User>({ name: 'X-Session', transform: encrypted({ secret: SECRET }) }),
    p: header<User>(),
  });

  it('set puts the value in the response header and exposes it', async () => {
    const { response } = await exchange(sessions, {}, (s) => s.set('h', { id: 'api' }));
    const value = response.headers.get('X-Session');
    expect(value).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(response.headers.get('access-control-expose-headers')?.split(/\s*,\s*/)).toContain('X-Session');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(response.headers.getSetCookie()).toEqual([]);

    const next = await exchange(sessions, { headers: { 'x-session': value ?? '' } }, (s) => s.get('h'));
    expect(next.result).toEqual({ id: 'api' });
    expect(next.response.headers.has('X-Session')).toBe(false);
  });

  it('the header name defaults to the session name; plain values round-trip, unicode included', async () => {
    const { response } = await exchange(sessions, {}, (s) => s.set('p', { id: 'plain 😀 %41 "q"' }));
    const value = response.headers.get('p');
    expect(value).not.toBeNull();
    const next = await exchange(sessions, { headers: { p: value ?? '' } }, (s) => s.get('p'));
    expect(next.result).toEqual({ id: 'plain 😀 %41 "q"' });
  });

  it('clear sends the header present and empty', async () => {
    const { response: first } = await exchange(sessions, {}, (s) => s.set('h', { id: 'api' }));
    const value = first.headers.get('X-Session') ?? '';
    const { response } = await exchange(sessions, { headers: { 'X-Session': value } }, (s) => s.clear('h'));
    expect(response.headers.has('X-Session')).toBe(true);
    expect(response.headers.get('X-Session')).toBe('');
    expect(response.headers.get('access-control-expose-headers')).toContain('X-Session');
  });

  it('appends to an existing Access-Control-Expose-Headers without duplicating', async () => {
    const s = sessions.forRequest(makeRequest());
    await s.set('h', { id: 'a' });
    await s.set('p', { id: 'b' });
    const response = s.applyTo(new Response('ok', { headers: { 'Access-Control-Expose-Headers': 'X-Request-Id, x-session' } }));
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(/\s*,\s*/).map((t) => t.toLowerCase());
    expect(exposed.sort()).toEqual(['p', 'x-request-id', 'x-session']);
  });

  it('garbage in the header reads as no session and the response clears it', async () => {
    const { response, result } = await exchange(sessions, { headers: { 'X-Session': 'INVALID' } }, (s) => s.get('h'));
    expect(result).toBeUndefined();
    expect(response.headers.get('X-Session')).toBe('');
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
