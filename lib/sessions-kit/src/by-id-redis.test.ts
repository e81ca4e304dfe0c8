/**
 * By-id sessions end to end against a real redis-server: the core flows,
 * no id at rest, races (tracker and whole requests, three clients as three
 * app instances), an outage (503, the cookie kept) and recovery, and two app
 * instances sharing one Redis. Under CI=true a missing redis-server fails.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sessions, cookie, defineSessions, header, signed } from './index.ts';
import { type RedisStorage, redisStorage } from './storage/redis.ts';
import { type RedisServerHandle, startRedisServer } from '../test/redis-server.ts';
import { SECRET, isClearing, makeRequest, setCookieFor, setCookies, wireValue, exchange } from '../test/helpers.ts';
import { describeTrackerRaces } from '../test/tracker-races.ts';
import { describeRequestRaces } from '../test/request-races.ts';
import { keyOf } from '../test/spy-storage.ts';

interface User {
  id: string;
  name?: string;
}

const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const MISSING = 'redis-server not found: apt-get install -y redis-server';

const server = await startRedisServer();

if (!server) {
  if (process.env.CI === 'true') {
    describe('by-id sessions on Redis', () => {
      it('needs redis-server', () => {
        throw new Error(MISSING);
      });
    });
  } else {
    console.warn(`Skipping the by-id Redis session tests: ${MISSING} (or set REDIS_SERVER_PATH).`);
    describe.skip('by-id sessions on Redis', () => {
      it('needs redis-server', () => undefined);
    });
  }
} else {
  defineTests(server);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries `fn` until it stops throwing (or the deadline passes, then rethrows). */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

function defineTests(shared: RedisServerHandle): void {
  const storages: RedisStorage[] = [];
  const raw = createClient({ url: shared.url });

  /** A storage with a prefix of its own, so tests cannot see each other's keys. */
  const makeStorage = (url: string, prefix = `by-id:${randomUUID()}:`) => {
    const storage = redisStorage({ url, prefix, connectTimeoutMs: 1_000, commandTimeoutMs: 1_000 });
    storages.push(storage);
    return { storage, prefix };
  };

  beforeAll(async () => {
    await raw.connect();
  });

  afterAll(async () => {
    await Promise.all(storages.map((s) => s.close()));
    if (raw.isOpen) await raw.close();
    await shared.stop();
  });

  describe('by-id sessions on Redis: core flows', () => {
    const { storage, prefix } = makeStorage(shared.url);
    const sessions = defineSessions({ s: cookie<User>({ storage, idleTimeout: 600 }) });

    it('set, then get through a new request; the record lives under prefix + hash(id) with a TTL', async () => {
      const first = await exchange(sessions, {}, (s) => s.set('s', { id: 'u1', name: 'Ann' }));
      const id = wireValue(first.response, 's');
      expect(id).toMatch(ID_SHAPE);
      const record = JSON.parse((await raw.get(prefix + keyOf(id))) as string) as { v: number; d: string; e: number };
      expect(record).toMatchObject({ v: 2, d: JSON.stringify({ id: 'u1', name: 'Ann' }) });
      const ttl = await raw.ttl(prefix + keyOf(id));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600);

      const second = await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'));
      expect(second.result).toEqual({ id: 'u1', name: 'Ann' });
      expect(setCookies(second.response)).toEqual([]);
    });

    it('an unknown well-formed id reads as nothing (cookie cleared); set on it mints a new id', async () => {
      const planted = 'P'.repeat(43);
      const read = await exchange(sessions, { cookies: { s: planted } }, (s) => s.get('s'));
      expect(read.result).toBeUndefined();
      expect(isClearing(setCookieFor(read.response, 's') as NonNullable<ReturnType<typeof setCookieFor>>)).toBe(true);
      const write = await exchange(sessions, { cookies: { s: planted } }, (s) => s.set('s', { id: 'x' }));
      expect(wireValue(write.response, 's')).not.toBe(planted);
      expect(await raw.exists(prefix + keyOf(planted))).toBe(0);
    });

    it('set over a known id keeps the id', async () => {
      const id = wireValue((await exchange(sessions, {}, (s) => s.set('s', { id: 'u1' }))).response, 's');
      const { response } = await exchange(sessions, { cookies: { s: id } }, (s) => s.set('s', { id: 'u1', name: 'B' }));
      expect(wireValue(response, 's')).toBe(id);
      expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1', name: 'B' });
    });

    it('clear kills the id (and only that one)', async () => {
      const mine = wireValue((await exchange(sessions, {}, (s) => s.set('s', { id: 'me' }))).response, 's');
      const other = wireValue((await exchange(sessions, {}, (s) => s.set('s', { id: 'other' }))).response, 's');
      const { response } = await exchange(sessions, { cookies: { s: mine } }, (s) => s.clear('s'));
      expect(setCookieFor(response, 's')?.attributes.get('max-age')).toBe('0');
      expect(await raw.exists(prefix + keyOf(mine))).toBe(0);
      expect(await storage.read(keyOf(mine))).toBeUndefined();
      expect(await raw.exists(prefix + keyOf(other))).toBe(1);
      expect((await exchange(sessions, { cookies: { s: mine } }, (s) => s.get('s'))).result).toBeUndefined();
      expect((await exchange(sessions, { cookies: { s: other } }, (s) => s.get('s'))).result).toEqual({ id: 'other' });
    });

    it('regenerate moves the data to a new id; the old id is dead', async () => {
      const old = wireValue((await exchange(sessions, {}, (s) => s.set('s', { id: 'u1' }))).response, 's');
      const { response, result } = await exchange(sessions, { cookies: { s: old } }, async (s) => {
        await s.regenerate('s');
        return s.id('s');
      });
      const fresh = wireValue(response, 's');
      expect(fresh).not.toBe(old);
      expect(result).toBe(fresh);
      expect(await raw.exists(prefix + keyOf(old))).toBe(0);
      expect(await storage.read(keyOf(old))).toBeUndefined();
      expect((await exchange(sessions, { cookies: { s: old } }, (s) => s.get('s'))).result).toBeUndefined();
      expect((await exchange(sessions, { cookies: { s: fresh } }, (s) => s.get('s'))).result).toEqual({ id: 'u1' });
    });

    it('a signed header session by id works over Redis too', async () => {
      const headerSessions = defineSessions({
        cart: header<{ items: string[] }>({ name: 'X-Cart-Session', storage, transform: signed({ secret: SECRET }) }),
      });
      const first = await exchange(headerSessions, {}, (s) => s.set('cart', { items: ['tea'] }));
      const token = first.response.headers.get('X-Cart-Session') as string;
      expect(token.split('.')).toHaveLength(3);
      const id = Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8');
      expect(await raw.exists(prefix + keyOf(id))).toBe(1);
      const again = await exchange(headerSessions, { headers: { 'X-Cart-Session': token } }, (s) => s.get('cart'));
      expect(again.result).toEqual({ items: ['tea'] });
    });
  });

  describe('ids at rest on Redis', () => {
    const { storage, prefix } = makeStorage(shared.url);
    const sessions = defineSessions({ s: cookie<User>({ storage, idleTimeout: 600 }) });

    it('no Redis key or value holds a live id, across set, update, regenerate and clear', async () => {
      const ids: string[] = [];
      const first = await exchange(sessions, {}, (s) => s.set('s', { id: 'u1', name: 'Ann' }));
      ids.push(wireValue(first.response, 's'));
      const second = await exchange(sessions, { cookies: { s: ids[0] as string } }, async (s) => {
        await s.update('s', (user) => ({ id: user?.id ?? 'u?', name: 'Bea' }));
        await s.regenerate('s');
        return s.id('s');
      });
      ids.push(second.result as string);
      const third = wireValue((await exchange(sessions, {}, (s) => s.set('s', { id: 'u3' }))).response, 's');
      ids.push(third);
      await exchange(sessions, { cookies: { s: third } }, (s) => s.clear('s'));

      const keys: string[] = [];
      for await (const batch of raw.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) keys.push(...batch);
      expect(keys).toEqual([prefix + keyOf(ids[1] as string)]);
      const values = await Promise.all(keys.map((k) => raw.get(k)));
      for (const text of [...keys, ...values]) {
        for (const id of ids) expect(text).not.toContain(id);
      }
    });
  });

  describe('two app instances sharing one Redis', () => {
    const prefix = `shared:${randomUUID()}:`;
    const a = defineSessions({ s: cookie<User>({ storage: makeStorage(shared.url, prefix).storage }) });
    const b = defineSessions({ s: cookie<User>({ storage: makeStorage(shared.url, prefix).storage }) });

    it('set via one, read, update and clear via the other', async () => {
      const id = wireValue((await exchange(a, {}, (s) => s.set('s', { id: 'u1' }))).response, 's');
      expect((await exchange(b, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1' });

      const updated = await exchange(b, { cookies: { s: id } }, (s) => s.set('s', { id: 'u1', name: 'from b' }));
      expect(wireValue(updated.response, 's')).toBe(id);
      expect((await exchange(a, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1', name: 'from b' });

      const regenerated = await exchange(a, { cookies: { s: id } }, (s) => s.regenerate('s'));
      const fresh = wireValue(regenerated.response, 's');
      expect((await exchange(b, { cookies: { s: id } }, (s) => s.get('s'))).result).toBeUndefined();
      expect((await exchange(b, { cookies: { s: fresh } }, (s) => s.get('s'))).result).toEqual({ id: 'u1', name: 'from b' });

      await exchange(b, { cookies: { s: fresh } }, (s) => s.clear('s'));
      expect((await exchange(a, { cookies: { s: fresh } }, (s) => s.get('s'))).result).toBeUndefined();
      expect(await raw.exists(prefix + keyOf(fresh))).toBe(0);
    });
  });

  // Each handle is its own client, as separate app instances would hold.
  describeTrackerRaces('redisStorage', async () => {
    const prefix = `races:${randomUUID()}:`;
    const handles = Array.from({ length: 3 }, () => makeStorage(shared.url, prefix).storage);
    const truth = makeStorage(shared.url, prefix).storage;
    return { handle: (i) => handles[i % handles.length] as RedisStorage, truth, cleanup: async () => undefined };
  });

  describeRequestRaces('redisStorage', async () => {
    const prefix = `requests:${randomUUID()}:`;
    const handles = Array.from({ length: 3 }, () => makeStorage(shared.url, prefix).storage);
    const truth = makeStorage(shared.url, prefix).storage;
    return { handle: (i) => handles[i % handles.length] as RedisStorage, truth, cleanup: async () => undefined };
  });

  describe('Redis goes down and comes back', () => {
    // A server of its own, so stopping it cannot disturb the other tests.
    let flaky: RedisServerHandle;
    let storage: RedisStorage;
    let prefix: string;
    let sessions: Sessions<{ s: User }>;
    const route = (req: Request) =>
      sessions.handler(async (_request, { session }) => {
        const user = await session.get('s');
        if (!user) return Response.json({ user: null }, { status: 401 });
        return Response.json({ user });
      })(req, {});
    const login = (req: Request) =>
      sessions.handler(async (_request, { session }) => {
        await session.set('s', { id: 'u-new' });
        return Response.json({ ok: true });
      })(req, {});

    beforeAll(async () => {
      const started = await startRedisServer();
      if (!started) throw new Error(MISSING);
      flaky = started;
      ({ storage, prefix } = makeStorage(flaky.url));
      sessions = defineSessions({ s: cookie<User>({ storage }) });
    });

    afterAll(async () => {
      await flaky?.stop();
    });

    it('stopped: the handler answers 503 with no Set-Cookie; restarted: the same cookie reads again', async () => {
      const id = wireValue((await exchange(sessions, {}, (s) => s.set('s', { id: 'u1' }))).response, 's');
      // Keep the record aside: the test server persists nothing, a production Redis would.
      const seeder = createClient({ url: flaky.url });
      await seeder.connect();
      const record = (await seeder.get(prefix + keyOf(id))) as string;
      const ttl = await seeder.ttl(prefix + keyOf(id));
      await seeder.close();
      expect(JSON.parse(record)).toMatchObject({ v: 2 });

      await flaky.stop();
      const started = Date.now();
      const down = await route(makeRequest({ cookies: { s: id } }));
      expect(down.status).toBe(503);
      expect(down.headers.getSetCookie()).toEqual([]);
      expect(down.headers.get('retry-after')).toBeTruthy();
      expect(Date.now() - started).toBeLessThan(3_000);

      // A write while down: 503 too, and no cookie issued.
      const failedLogin = await login(makeRequest());
      expect(failedLogin.status).toBe(503);
      expect(failedLogin.headers.getSetCookie()).toEqual([]);

      await flaky.restart();
      const restored = createClient({ url: flaky.url });
      await restored.connect();
      await restored.set(prefix + keyOf(id), record, { expiration: { type: 'EX', value: ttl } });
      await restored.close();

      const up = await eventually(async () => {
        const response = await route(makeRequest({ cookies: { s: id } }));
        if (response.status === 503) throw new Error('still 503');
        return response;
      });
      expect(up.status).toBe(200);
      expect(await up.json()).toEqual({ user: { id: 'u1' } });
      expect(setCookies(up)).toEqual([]);

      // And new sessions work again.
      const loggedIn = await login(makeRequest());
      expect(loggedIn.status).toBe(200);
      expect(wireValue(loggedIn, 's')).toMatch(ID_SHAPE);
    });

    it('after a restart that lost the data, the old cookie is "no session" (401), not 503', async () => {
      const id = wireValue((await exchange(sessions, {}, (s) => s.set('s', { id: 'u2' }))).response, 's');
      await flaky.restart(); // nothing persisted
      const response = await eventually(async () => {
        const r = await route(makeRequest({ cookies: { s: id } }));
        if (r.status === 503) throw new Error('still 503');
        return r;
      });
      expect(response.status).toBe(401);
      expect(isClearing(setCookieFor(response, 's') as NonNullable<ReturnType<typeof setCookieFor>>)).toBe(true);
    });
  });
}
