/** Deadlines kept in the stored record: enforced on every read, renewed by use, bounding the storage TTL. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cookie, defineSessions } from '../index.ts';
import { exchange, setCookieFor, wireValue } from '../../test/helpers.ts';
import { type User, expectClears, newSession } from '../../test/by-id.ts';
import { newSessionId } from './record.ts';
import { keyOf, spyStorage } from '../../test/spy-storage.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('expiry on the server', () => {
  const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
  const at = (seconds: number) => vi.setSystemTime(T0 + seconds * 1000);

  it('the stored record carries the deadlines; past idleTimeout the session is gone even before a sweep', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage, idleTimeout: 60 }) });
    const id = await newSession(sessions, 's', { id: 'u1' });
    const record = JSON.parse(spy.map.get(keyOf(id)) as string) as { v: number; d: string; c: number; e: number };
    expect(record).toEqual({ v: 2, n: 's', r: expect.any(String), d: JSON.stringify({ id: 'u1' }), c: T0 / 1000, e: T0 / 1000 + 60, w: T0 / 1000 });
    expect(spy.stores[0]?.ttlSeconds).toBe(60);

    at(59);
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1' });

    // 61 s after the last write (the read at +59 renewed the deadline to +119).
    at(59 + 61);
    const { response, result } = await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'));
    expect(result).toBeUndefined();
    expectClears(response, 's');
    // The storage never expired anything: the record is still there, and refused by its own deadline.
    expect(spy.map.has(keyOf(id))).toBe(true);
  });

  it('without use, the session ends at idleTimeout exactly', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage, idleTimeout: 60 }) });
    const id = await newSession(sessions, 's', { id: 'u1' });
    at(60);
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toBeUndefined();
    // And a set on the expired id does not revive it: a new id.
    const { response } = await exchange(sessions, { cookies: { s: id } }, (s) => s.set('s', { id: 'u2' }));
    expect(wireValue(response, 's')).not.toBe(id);
  });

  it('use renews the idle deadline (rolling), with a ttl that follows it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage, idleTimeout: 60 }) });
    const id = await newSession(sessions, 's', { id: 'u1' });
    for (let t = 50; t <= 500; t += 50) {
      at(t);
      const { response, result } = await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'));
      expect(result, `at +${t}s`).toEqual({ id: 'u1' });
      // Renewed under the same id; the rolling cookie keeps its full Max-Age, the record holds the deadline.
      expect(wireValue(response, 's')).toBe(id);
      expect(Number(setCookieFor(response, 's')?.attributes.get('max-age'))).toBe(7 * 24 * 3600);
      const record = JSON.parse(spy.map.get(keyOf(id)) as string) as { e: number };
      expect(record.e).toBe(T0 / 1000 + t + 60);
    }
    for (const w of spy.stores) {
      expect(w.ttlSeconds).toBeDefined();
      expect(w.ttlSeconds).toBeGreaterThan(0);
      expect(w.ttlSeconds).toBeLessThanOrEqual(60);
    }
  });

  it('absoluteTimeout ends the session however active, and the ttl never outlives it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage, idleTimeout: 60, absoluteTimeout: 120 }) });
    const id = await newSession(sessions, 's', { id: 'u1' });
    at(50);
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1' });
    at(100);
    // A set keeps the creation time.
    await exchange(sessions, { cookies: { s: id } }, (s) => s.set('s', { id: 'u1', name: 'x' }));
    const record = JSON.parse(spy.map.get(keyOf(id)) as string) as { c: number; e: number };
    expect(record.c).toBe(T0 / 1000);
    expect(record.e).toBe(T0 / 1000 + 120);
    expect(spy.stores.at(-1)?.ttlSeconds).toBe(20);
    at(119);
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1', name: 'x' });
    at(120);
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toBeUndefined();
    for (const w of spy.stores) expect(w.ttlSeconds).toBeLessThanOrEqual(60);
  });

  it('a record whose deadline has passed, or that lacks one the policy needs, is refused', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    const now = T0 / 1000;
    const past = newSessionId();
    spy.map.set(keyOf(past), JSON.stringify({ v: 2, n: 's', r: 'rev', d: '{"id":"old"}', c: now - 100, e: now - 1 }));
    const noDeadline = newSessionId();
    spy.map.set(keyOf(noDeadline), JSON.stringify({ v: 2, n: 's', r: 'rev', d: '{"id":"forever"}' }));
    const live = newSessionId();
    spy.map.set(keyOf(live), JSON.stringify({ v: 2, n: 's', r: 'rev', d: '{"id":"live"}', c: now, e: now + 10 }));
    expect((await exchange(sessions, { cookies: { s: past } }, (s) => s.get('s'))).result).toBeUndefined();
    expect((await exchange(sessions, { cookies: { s: noDeadline } }, (s) => s.get('s'))).result).toBeUndefined();
    expect((await exchange(sessions, { cookies: { s: live } }, (s) => s.get('s'))).result).toEqual({ id: 'live' });
  });

  it('the ttl follows the cookie lifetime when there is no idle timeout', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({
      a: cookie<User>({ storage: spy.storage }),
      b: cookie<User>({ storage: spy.storage, cookie: { maxAge: 3600 } }),
      c: cookie<User>({ storage: spy.storage, cookie: { maxAge: 3600 }, idleTimeout: 300 }),
    });
    await exchange(sessions, {}, async (s) => {
      await s.set('a', { id: 'a' });
      await s.set('b', { id: 'b' });
      await s.set('c', { id: 'c' });
    });
    expect(spy.stores.map((w) => w.ttlSeconds)).toEqual([7 * 24 * 3600, 3600, 300]);
  });
});
