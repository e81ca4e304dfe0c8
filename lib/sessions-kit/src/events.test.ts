/** onEvent and the default outage log: what an app hears about, and that it never hears an id or a value. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type SessionEvent, cookie, defineSessions, header, memoryStorage } from './index.ts';
import { ORIGIN, exchange, failingStorage, makeRequest, wireValue } from '../test/helpers.ts';

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('onEvent', () => {
  it('hears storage errors with the session and the operation, conflicts, too-large values, cross-site refusals and revocations', async () => {
    const events: SessionEvent[] = [];
    const storage = memoryStorage();
    const sessions = defineSessions(
      {
        down: cookie<{ n: number }>({ storage: failingStorage() }),
        auth: cookie<{ user: string; blob?: string }>({ storage, owner: (s) => s.user }),
        big: header<string>(),
      },
      { onEvent: (event) => events.push(event) },
    );
    await expect(exchange(sessions, { cookies: { down: 'a'.repeat(43) } }, (s) => s.get('down'))).rejects.toThrow();
    await expect(exchange(sessions, {}, (s) => s.set('down', { n: 1 }))).rejects.toThrow();
    await expect(exchange(sessions, {}, (s) => s.set('big', 'x'.repeat(5000)))).rejects.toThrow();
    const id = wireValue((await exchange(sessions, {}, (s) => s.set('auth', { user: 'ada' }))).response, 'auth');
    const other = wireValue((await exchange(sessions, {}, (s) => s.set('auth', { user: 'ada' }))).response, 'auth');
    const held = sessions.forRequest(makeRequest({ cookies: { auth: other } }));
    await held.get('auth');
    await exchange(sessions, { cookies: { auth: id } }, (s) => s.revokeOthers('auth'));
    await expect(held.set('auth', { user: 'ada' })).rejects.toThrow();
    const refused = await sessions.handler(async () => new Response('ran'))(
      new Request(`${ORIGIN}/`, { method: 'POST', headers: { cookie: `auth=${id}`, 'sec-fetch-site': 'cross-site' } }),
      {},
    );
    expect(refused.status).toBe(403);
    expect(await sessions.forOwner('auth', 'ada').revokeAll()).toBe(1);

    expect(events.map((e) => [e.type, 'session' in e ? e.session : undefined, e.type === 'storage-error' ? e.operation : ''])).toEqual([
      ['storage-error', 'down', 'read'],
      ['storage-error', 'down', 'write'],
      ['too-large', 'big', ''],
      ['revoked', 'auth', ''],
      ['conflict', 'auth', ''],
      ['cross-site', undefined, ''],
      ['revoked', 'auth', ''],
    ]);
    expect(events.filter((e) => e.type === 'revoked').map((e) => e.type === 'revoked' && [e.scope, e.count])).toEqual([['others', 1], ['all', 1]]);
    // Never an id, a key or a value.
    const text = JSON.stringify(events, (_k, v) => (v instanceof Error ? v.message : v));
    for (const secret of [id, other, 'ada', 'x'.repeat(100)]) expect(text).not.toContain(secret);
  });

  it('a listener that throws does not break the request', async () => {
    const sessions = defineSessions({ down: cookie<{ n: number }>({ storage: failingStorage() }) }, { onEvent: () => { throw new Error('broken listener'); } });
    const response = await sessions.handler(async (_r, { session }) => Response.json(await session.get('down')))(makeRequest({ cookies: { down: 'a'.repeat(43) } }), {});
    expect(response.status).toBe(503);
  });

  it('an async listener that rejects causes no unhandled rejection', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const sessions = defineSessions({ down: cookie<{ n: number }>({ storage: failingStorage() }) }, { onEvent: async () => { throw new Error('broken async listener'); } });
      const response = await sessions.handler(async (_r, { session }) => Response.json(await session.get('down')))(makeRequest({ cookies: { down: 'a'.repeat(43) } }), {});
      expect(response.status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});

describe('without onEvent', () => {
  it('logs a storage outage once, not once per request, and again for the next outage; never the id', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 0 });
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const sessions = defineSessions({ down: cookie<{ n: number }>({ storage: failingStorage() }) });
    const route = sessions.handler(async (_r, { session }) => Response.json(await session.get('down')));
    const id = 'b'.repeat(43);
    for (let i = 0; i < 20; i++) {
      vi.setSystemTime(i * 1000);
      expect((await route(makeRequest({ cookies: { down: id } }), {})).status).toBe(503);
    }
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]?.[0])).toMatch(/session "down" is unavailable \(read failed: Error\)/);
    vi.setSystemTime(60_000);
    await route(makeRequest({ cookies: { down: id } }), {});
    expect(log).toHaveBeenCalledTimes(2);
    for (const [line] of log.mock.calls) expect(String(line)).not.toContain(id);
  });
});
