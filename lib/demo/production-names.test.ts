/** In production the demo's cookies travel as `__Host-<name>`; the routes and the header session do not change. */
import './demo-env.testutil';
import { afterAll, describe, expect, it, vi } from 'vitest';

afterAll(() => {
  vi.unstubAllEnvs();
});

describe('cookie wire names by environment', () => {
  it('production: __Host- on every cookie, Secure, Path=/, no Domain; the header keeps its name', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    vi.resetModules();
    const { sessions } = await import('./sessions');
    const wire = Object.fromEntries(sessions.names.map((n) => [n, sessions.describe(n).wireName]));
    expect(wire).toEqual({
      user_session: '__Host-user_session',
      basket: '__Host-basket',
      cart_session: 'X-Cart-Session',
      auth: '__Host-auth',
      prefs: '__Host-prefs',
      ktor_session: '__Host-ktor_session',
    });
    const { POST } = await import('@/app/api/cookie/route');
    const response = await POST(
      new Request('https://app.example/api/cookie', {
        method: 'POST',
        body: '{"name":"ada"}',
        headers: { 'content-type': 'application/json' },
      }),
      {},
    );
    expect(await response.json()).toEqual({ session: { name: 'ada', count: 0 } });
    const [line] = response.headers.getSetCookie();
    expect(line).toMatch(/^__Host-user_session=/);
    expect(line).toMatch(/; Secure/i);
    expect(line).toMatch(/; Path=\//i);
    expect(line).not.toMatch(/Domain=/i);

    // The plain name is not read in production: a cookie planted under it is ignored.
    const { GET } = await import('@/app/api/cookie/route');
    const planted = await GET(new Request('https://app.example/api/cookie', { headers: { cookie: `user_session=${line?.split(/[=;]/)[1]}` } }), {});
    expect(await planted.json()).toEqual({ session: null });
  });

  it('development keeps the plain names', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    vi.resetModules();
    const { sessions } = await import('./sessions');
    expect(sessions.describe('user_session').wireName).toBe('user_session');
    expect(sessions.describe('auth').wireName).toBe('auth');
  });
});
