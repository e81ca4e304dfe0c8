/**
 * forRequest / applyTo / handler over Web Request and Response: responses that
 * depend on a session are private and vary on what carried it, output leaves
 * once, per request, with no cross-talk between parallel requests.
 */
import { describe, expect, it } from 'vitest';
import { cookie, defineSessions, header, memoryStorage, signed } from '../index.ts';
import {
  ORIGIN,
  SECRET,
  type User,
  cookieAfterSet,
  exchange,
  makeRequest,
  setCookieFor,
  setCookies,
} from '../../test/helpers.ts';

const sessions = defineSessions({
  s: cookie<User>({ transform: signed({ secret: SECRET }) }),
  h: header<User>({ name: 'X-Session', storage: memoryStorage() }),
});

const varyOf = (response: Response) => (response.headers.get('vary') ?? '').split(/\s*,\s*/).filter(Boolean);

describe('private responses', () => {
  it('a read of a cookie session: private, no-store and Vary: Cookie, even with no session', async () => {
    const { response } = await exchange(sessions, {}, (s) => s.get('s'));
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(varyOf(response)).toEqual(['Cookie']);
  });

  it("a read of a header session varies on that header's name; both sessions, on both", async () => {
    const header = await exchange(sessions, {}, (s) => s.get('h'));
    expect(varyOf(header.response)).toEqual(['X-Session']);
    expect(header.response.headers.get('cache-control')).toBe('private, no-store');
    const both = await exchange(sessions, {}, async (s) => {
      await s.get('s');
      await s.set('h', { id: 'x' });
    });
    expect(varyOf(both.response).sort()).toEqual(['Cookie', 'X-Session']);
  });

  it('a write alone is private too', async () => {
    const { response } = await exchange(sessions, {}, (s) => s.set('s', { id: 'w' }));
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(varyOf(response)).toEqual(['Cookie']);
  });

  it("Vary is appended to the framework's, without duplicates; Vary: * stays", async () => {
    const cases: [string, string][] = [
      ['rsc, next-router-state-tree, next-router-prefetch', 'rsc, next-router-state-tree, next-router-prefetch, Cookie'],
      ['Accept-Encoding, cookie', 'Accept-Encoding, cookie'],
      ['*', '*'],
    ];
    for (const [before, after] of cases) {
      const session = sessions.forRequest(makeRequest());
      await session.get('s');
      const response = session.applyTo(new Response('ok', { headers: { Vary: before } }));
      expect(response.headers.get('vary'), before).toBe(after);
    }
  });

  it("a handler's public Cache-Control is replaced; its own private, no-store directives stay", async () => {
    const cases: [string, string][] = [
      ['public, max-age=3600', 'private, no-store'],
      ['private, max-age=60', 'private, no-store'],
      ['s-maxage=600', 'private, no-store'],
      ['private, no-store, max-age=0', 'private, no-store, max-age=0'],
    ];
    for (const [before, after] of cases) {
      const route = sessions.handler(async (_r, { session }) => {
        await session.get('s');
        return new Response('ok', { headers: { 'Cache-Control': before } });
      });
      expect((await route(makeRequest(), {})).headers.get('cache-control'), before).toBe(after);
    }
  });

  it('a response on which no session was touched is left as it is', async () => {
    const route = sessions.handler(async () => new Response('static', { headers: { 'Cache-Control': 'public, max-age=60' } }));
    const response = await route(makeRequest({ cookies: { s: 'anything' } }), {});
    expect(response.headers.get('cache-control')).toBe('public, max-age=60');
    expect(response.headers.has('vary')).toBe(false);
  });

  it("protect's 401 and challenge redirect are private and vary on Cookie", async () => {
    const unauthorized = await sessions.protect('s', {}, () => new Response('secret'))(makeRequest(), {});
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('cache-control')).toBe('private, no-store');
    expect(varyOf(unauthorized)).toEqual(['Cookie']);
    const redirect = await sessions.protect('s', { challenge: '/login' }, () => new Response('secret'))(makeRequest(), {});
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('cache-control')).toBe('private, no-store');
    expect(varyOf(redirect)).toEqual(['Cookie']);
  });

  it('an immutable response (Response.redirect) is copied with the private headers', async () => {
    const session = sessions.forRequest(makeRequest());
    await session.get('s');
    const original = Response.redirect(`${ORIGIN}/next`, 302);
    const response = session.applyTo(original);
    expect(response).not.toBe(original);
    expect(response.status).toBe(302);
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(varyOf(response)).toEqual(['Cookie']);
  });
});

describe('one way out', () => {
  it('set then clear in one request sends only the clearing cookie; set twice sends the last value', async () => {
    const cleared = await exchange(sessions, {}, async (s) => {
      await s.set('s', { id: 'a' });
      await s.clear('s');
    });
    expect(setCookies(cleared.response)).toHaveLength(1);
    expect(setCookieFor(cleared.response, 's')?.attributes.get('max-age')).toBe('0');
    const twice = await exchange(sessions, {}, async (s) => {
      await s.set('s', { id: 'a' });
      await s.set('s', { id: 'b' });
    });
    expect(setCookies(twice.response)).toHaveLength(1);
    const next = await exchange(sessions, { cookies: `s=${setCookieFor(twice.response, 's')?.value}` }, (s) => s.get('s'));
    expect(next.result).toEqual({ id: 'b' });
  });

  it('applyTo twice on two responses gives each the same headers', async () => {
    const session = sessions.forRequest(makeRequest());
    await session.set('s', { id: 'x' });
    const first = session.applyTo(new Response('1'));
    const second = session.applyTo(new Response('2'));
    expect(first.headers.getSetCookie()).toEqual(second.headers.getSetCookie());
  });
});

describe('20 parallel requests through handler', () => {
  it('each gets its own Set-Cookie, session header and Vary: no cross-talk', async () => {
    const route = sessions.handler(async (request, { session }) => {
      const id = new URL(request.url).searchParams.get('id') ?? '';
      const previous = await session.get('s');
      // Yield between the read and the writes so the requests interleave.
      await new Promise((resolve) => setImmediate(resolve));
      await session.set('s', { id, name: previous?.id });
      if (Number(id.slice(1)) % 2 === 0) await session.set('h', { id });
      return Response.json({ id });
    });
    const cookies = await Promise.all(Array.from({ length: 20 }, (_, i) => cookieAfterSet(sessions, 's', { id: `old${i}` })));
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => route(new Request(`${ORIGIN}/?id=u${i}`, { headers: { cookie: cookies[i] as string } }), {})),
    );
    for (const [i, response] of responses.entries()) {
      expect(response.status).toBe(200);
      expect(setCookies(response)).toHaveLength(1);
      const value = setCookieFor(response, 's')?.value ?? '';
      const { result } = await exchange(sessions, { cookies: { s: value } }, (s) => s.get('s'));
      expect(result).toEqual({ id: `u${i}`, name: `old${i}` });
      const even = i % 2 === 0;
      expect(response.headers.has('X-Session'), `request ${i}`).toBe(even);
      expect(varyOf(response).sort()).toEqual(even ? ['Cookie', 'X-Session'] : ['Cookie']);
      if (even) {
        const read = await exchange(sessions, { headers: { 'X-Session': response.headers.get('X-Session') ?? '' } }, (s) => s.get('h'));
        expect(read.result).toEqual({ id: `u${i}` });
      }
    }
  });
});
