/**
 * The per-request accessor's `inspect(name)`: what the request carried (decoded once, absent or
 * ambiguous as undefined), what the server reads from it, and the deadlines it enforces, by id
 * and by value, for cookies and headers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cookie, defineSessions, encrypted, header, memoryStorage, signed } from '../index.ts';
import { SECRET, type User, exchange, wireValue } from '../../test/helpers.ts';

interface Cart {
  items: string[];
}

afterEach(() => {
  vi.useRealTimers();
});

describe('inspect(): the deadlines', () => {
  it('by id: the deadlines in the stored record; by value: those in the protected value; none without a session', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2030, 0, 1));
    const now = Math.floor(Date.now() / 1000);
    const sessions = defineSessions({
      byId: cookie<Cart>({ storage: memoryStorage(), idleTimeout: 600 }),
      byValue: cookie<Cart>({ transform: encrypted({ secret: SECRET }), idleTimeout: 300 }),
    });
    const { response, result } = await exchange(sessions, {}, async (s) => {
      const before = await s.inspect('byId');
      await s.set('byId', { items: [] });
      await s.set('byValue', { items: [] });
      return { before, byId: await s.inspect('byId'), byValue: await s.inspect('byValue') };
    });
    expect(result).toEqual({
      before: { sent: undefined, data: undefined, times: undefined },
      // `sent` is what the request carried: nothing, even after a write in the same request.
      byId: { sent: undefined, data: { items: [] }, times: { createdAt: now, expiresAt: now + 600 } },
      byValue: { sent: undefined, data: { items: [] }, times: { createdAt: now, expiresAt: now + 300 } },
    });
    const id = wireValue(response, 'byId');
    const value = wireValue(response, 'byValue');
    const later = await exchange(sessions, { cookies: { byId: id, byValue: value } }, async (s) => ({
      byId: await s.inspect('byId'),
      byValue: await s.inspect('byValue'),
    }));
    expect(later.result).toEqual({
      byId: { sent: id, data: { items: [] }, times: { createdAt: now, expiresAt: now + 600 } },
      byValue: { sent: value, data: { items: [] }, times: { createdAt: now, expiresAt: now + 300 } },
    });
  });

  it('without server-side deadlines (a plain cookie): data, and no times', async () => {
    const sessions = defineSessions({ s: cookie<User>() });
    const wire = encodeURIComponent(JSON.stringify({ id: 'u1' }));
    const { result } = await exchange(sessions, { cookies: { s: wire } }, (s) => s.inspect('s'));
    expect(result?.sent).toBe(JSON.stringify({ id: 'u1' }));
    expect(result?.data).toEqual({ id: 'u1' });
    expect(result?.times).toBeUndefined();
  });

  it('an invalid value: what was sent, no data, no times', async () => {
    const sessions = defineSessions({
      byId: cookie<User>({ storage: memoryStorage() }),
      byValue: cookie<User>({ transform: signed({ secret: SECRET }) }),
    });
    const { result } = await exchange(sessions, { cookies: { byId: 'A'.repeat(43), byValue: 'not.a.jws' } }, async (s) => ({
      byId: await s.inspect('byId'),
      byValue: await s.inspect('byValue'),
    }));
    expect(result).toEqual({
      byId: { sent: 'A'.repeat(43), data: undefined, times: undefined },
      byValue: { sent: 'not.a.jws', data: undefined, times: undefined },
    });
  });

  it('the times it returns are a copy: changing them changes nothing', async () => {
    const sessions = defineSessions({ s: cookie<Cart>({ storage: memoryStorage(), idleTimeout: 600 }) });
    const { result } = await exchange(sessions, {}, async (s) => {
      await s.set('s', { items: [] });
      const first = await s.inspect('s');
      if (first.times) first.times.expiresAt = 0;
      return (await s.inspect('s')).times?.expiresAt;
    });
    expect(result).toBeGreaterThan(0);
  });
});

describe('inspect(): what the request carried', () => {
  const sessions = defineSessions({
    s: cookie<User>({ transform: signed({ secret: SECRET }) }),
    h: header<User>({ name: 'X-Session', storage: memoryStorage() }),
  });

  it('a cookie session as the library reads it: decoded once, absent or ambiguous as undefined', async () => {
    const sent = async (cookies?: string) => (await exchange(sessions, { cookies }, (s) => s.inspect('s'))).result?.sent;
    expect(await sent('s=abc.def; other=1')).toBe('abc.def');
    expect(await sent('s=a%2541')).toBe('a%41');
    expect(await sent('other=1')).toBeUndefined();
    expect(await sent()).toBeUndefined();
    expect(await sent('s=a; s=b')).toBeUndefined();
    // The same value twice is not ambiguous.
    expect(await sent('s=a; s=a')).toBe('a');
  });

  it('a header session as sent', async () => {
    const sent = async (headers: Record<string, string>) => (await exchange(sessions, { headers }, (s) => s.inspect('h'))).result?.sent;
    expect(await sent({ 'x-session': 'id.mac' })).toBe('id.mac');
    expect(await sent({})).toBeUndefined();
  });
});
