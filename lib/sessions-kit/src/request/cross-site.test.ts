/**
 * Cross-site refusal: login CSRF through forRequest and handler, and the
 * Origin fallback (scheme, host and port; X-Forwarded-* only with trustProxy).
 */
import { describe, expect, it } from 'vitest';
import { cookie, defineSessions, header, isCrossSiteRequest, signed } from '../index.ts';
import {
  ORIGIN,
  type RequestInit2,
  SECRET,
  type User,
  cookieAfterSet,
  cookieHeaderFrom,
  exchange,
  makeRequest,
} from '../../test/helpers.ts';

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

describe('the Origin fallback (no Sec-Fetch-Site)', () => {
  const post = (url: string, headers: Record<string, string>) => new Request(url, { method: 'POST', headers });

  it('compares scheme, host and port', () => {
    expect(isCrossSiteRequest(post('https://app.example/x', { origin: 'https://app.example' }))).toBe(false);
    expect(isCrossSiteRequest(post('https://app.example/x', { origin: 'https://app.example:443' }))).toBe(false);
    expect(isCrossSiteRequest(post('https://app.example/x', { origin: 'http://app.example' }))).toBe(true);
    expect(isCrossSiteRequest(post('https://app.example/x', { origin: 'https://app.example:8443' }))).toBe(true);
    expect(isCrossSiteRequest(post('http://app.example:3000/x', { origin: 'http://app.example:3001' }))).toBe(true);
    expect(isCrossSiteRequest(post('https://app.example/x', { origin: 'https://sub.app.example' }))).toBe(true);
  });

  it('an unparsable or opaque Origin is another site', () => {
    for (const origin of ['null', 'not a url', 'https://', '://x']) {
      expect(isCrossSiteRequest(post('https://app.example/x', { origin })), origin).toBe(true);
    }
  });

  it('the Host header names the request host when present', () => {
    expect(isCrossSiteRequest(post('http://127.0.0.1:3000/x', { origin: 'http://app.local', host: 'app.local' }))).toBe(false);
    expect(isCrossSiteRequest(post('http://127.0.0.1:3000/x', { origin: 'http://evil.local', host: 'app.local' }))).toBe(true);
  });

  it('X-Forwarded-Host and X-Forwarded-Proto are ignored without trustProxy', () => {
    const forwarded = { origin: 'https://app.example', 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'https' };
    expect(isCrossSiteRequest(post('http://10.0.0.5:3000/x', forwarded))).toBe(true);
    expect(isCrossSiteRequest(post('http://10.0.0.5:3000/x', forwarded), { trustProxy: true })).toBe(false);
    // Trusted, they are compared like the URL: scheme included.
    const wrongScheme = { ...forwarded, 'x-forwarded-proto': 'http' };
    expect(isCrossSiteRequest(post('http://10.0.0.5:3000/x', wrongScheme), { trustProxy: true })).toBe(true);
    // The first of a list is the one the client-facing proxy set.
    const list = { ...forwarded, 'x-forwarded-host': 'app.example, internal', 'x-forwarded-proto': 'https, http' };
    expect(isCrossSiteRequest(post('http://10.0.0.5:3000/x', list), { trustProxy: true })).toBe(false);
  });

  it('Sec-Fetch-Site decides when present', () => {
    expect(isCrossSiteRequest(post('https://app.example/x', { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' }))).toBe(false);
    expect(isCrossSiteRequest(post('https://app.example/x', { 'sec-fetch-site': 'cross-site', origin: 'https://app.example' }))).toBe(true);
  });

  it('defineSessions({ trustProxy }) reaches handler: a POST behind a TLS proxy passes only when trusted', async () => {
    const definitions = { s: cookie<User>({ transform: signed({ secret: SECRET }) }) };
    const plain = defineSessions(definitions);
    const trusting = defineSessions(definitions, { trustProxy: true });
    const value = await cookieAfterSet(plain, 's', { id: 'u' });
    const request = () =>
      new Request('http://10.0.0.5:3000/api', {
        method: 'POST',
        headers: { cookie: value, origin: 'https://app.example', 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'https' },
      });
    const route = (sessions: typeof plain) => sessions.handler(async (_r, { session }) => Response.json(await session.get('s')));
    expect((await route(plain)(request(), {})).status).toBe(403);
    const ok = await route(trusting)(request(), {});
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: 'u' });
  });
});
