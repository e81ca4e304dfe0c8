/** The device list routes: GET/DELETE /api/auth/sessions and DELETE /api/auth/sessions/{handle}, called as Next calls them. */
import { APP, call } from './demo-env.testutil';
import { describe, expect, it } from 'vitest';
import * as devices from '@/app/api/auth/sessions/route';
import * as one from '@/app/api/auth/sessions/[handle]/route';
import * as login from '@/app/api/auth/login/route';
import * as me from '@/app/api/auth/me/route';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

async function signIn(userAgent: string): Promise<string> {
  const response = await call(login.POST, 'POST', { headers: { 'user-agent': userAgent }, body: JSON.stringify({ username: 'ada', password: 'ada' }) });
  expect(response.status).toBe(200);
  const line = response.headers.getSetCookie().find((l) => l.startsWith('auth='));
  return line?.slice(0, line.indexOf(';')) ?? '';
}

const revokeOne = (cookie: string, handle: string, headers: Record<string, string> = {}) =>
  one.DELETE(new Request(`${APP}/api/auth/sessions/${encodeURIComponent(handle)}`, { method: 'DELETE', headers: { cookie, ...headers } }), {
    params: Promise.resolve({ handle }),
  });

describe('the device list', () => {
  it('lists this user\'s devices with labels from the login User-Agent, marks this one, and signs one out', async () => {
    const laptop = await signIn(FIREFOX);
    const phone = await signIn(IPHONE);
    const listed = await call(devices.GET, 'GET', { cookie: laptop });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('cache-control')).toBe('private, no-store');
    const { sessions } = (await listed.json()) as { sessions: { handle: string; current: boolean; device: string; createdAt: string; lastSeenAt: string }[] };
    const mine = sessions.filter((s) => s.device === 'Firefox on Linux' || s.device === 'Safari on iOS');
    expect(mine.map((s) => [s.device, s.current]).sort()).toEqual([['Firefox on Linux', true], ['Safari on iOS', false]]);
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'device', 'handle', 'lastSeenAt']);
      expect(laptop).not.toContain(s.handle);
      expect(phone).not.toContain(s.handle);
      expect(Date.parse(s.createdAt)).toBeLessThanOrEqual(Date.parse(s.lastSeenAt));
    }
    const phoneHandle = mine.find((s) => !s.current)?.handle as string;
    const revoked = await revokeOne(laptop, phoneHandle);
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({ revoked: true });
    expect((await call(me.GET, 'GET', { cookie: phone })).status).toBe(401);
    expect((await call(me.GET, 'GET', { cookie: laptop })).status).toBe(200);
    // Gone now, and a made-up handle: 404.
    expect((await revokeOne(laptop, phoneHandle)).status).toBe(404);
    expect((await revokeOne(laptop, 'not-a-handle')).status).toBe(404);
  });

  it('DELETE /api/auth/sessions signs out every other session of this user, in parallel logins too', async () => {
    const mine = await signIn(FIREFOX);
    const others = await Promise.all(Array.from({ length: 8 }, () => signIn(IPHONE)));
    const response = await call(devices.DELETE, 'DELETE', { cookie: mine });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { revoked: number }).revoked).toBeGreaterThanOrEqual(8);
    for (const other of others) expect((await call(me.GET, 'GET', { cookie: other })).status).toBe(401);
    const left = ((await (await call(devices.GET, 'GET', { cookie: mine })).json()) as { sessions: unknown[] }).sessions;
    expect(left).toHaveLength(1);
  });

  it('answers 401 without a session, and refuses cross-site deletes with 403', async () => {
    expect((await call(devices.GET, 'GET')).status).toBe(401);
    expect((await call(devices.DELETE, 'DELETE')).status).toBe(401);
    const mine = await signIn(FIREFOX);
    const victim = await signIn(IPHONE);
    const cross = { 'sec-fetch-site': 'cross-site' };
    expect((await call(devices.DELETE, 'DELETE', { cookie: mine, headers: cross })).status).toBe(403);
    expect((await revokeOne(mine, 'whatever', cross)).status).toBe(403);
    expect((await call(me.GET, 'GET', { cookie: victim })).status).toBe(200);
  });
});
