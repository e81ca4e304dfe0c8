/**
 * Per-user sessions (by id): the owner index, list / revoke / revokeOthers in a request,
 * forOwner anywhere, and the races: concurrent logins, revocations beating in-flight writes.
 * Runs on every built-in storage the concurrency tests use, and on a custom one.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SessionConfigError, SessionConflictError, type SessionAccessor, type SessionStorage, SessionStorageError, SessionUnsupportedError, cookie, defineSessions, encrypted, memoryStorage } from '../index.ts';
import { exchange, mapStorage, setCookieFor, wireValue } from '../../test/helpers.ts';
import { type OpenedStorage, STORAGE_CASES } from '../../test/storages.ts';

interface Auth {
  userId: string;
  device: string;
  n?: number;
}

const CASES = [
  ...STORAGE_CASES,
  { name: 'a custom storage (Map)', open: async (): Promise<OpenedStorage> => {
    const storage = mapStorage();
    return { handle: () => storage, truth: storage, cleanup: async () => undefined };
  } },
];

const define = (storage: SessionStorage) =>
  defineSessions({ auth: cookie<Auth>({ storage, owner: (s) => s.userId, idleTimeout: 1800 }) });

describe.each(CASES)('per-user sessions on $name', ({ open }) => {
  let opened: OpenedStorage;
  /** Instance 0; lists are read past any instance's cache (a cached index is as stale as its ttlMs). */
  let sessions: ReturnType<typeof define>;
  beforeAll(async () => {
    opened = await open();
    sessions = define(opened.truth);
  });
  afterAll(() => opened.cleanup());

  /** Logs `userId` in on a new device; returns its cookie value (the id). */
  const login = async (userId: string, device: string, s = sessions) => {
    const { response } = await exchange(s, {}, (session) => session.set('auth', { userId, device }));
    return wireValue(response, 'auth');
  };
  const as = (id: string) => ({ cookies: { auth: id } });

  it('lists every one of 20 concurrent logins of one user, marks the current one, and shows no ids', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => login('ada', `device ${i}`, define(opened.handle(i)))));
    const { result } = await exchange(sessions, as(ids[3] as string), (s) => s.list('auth'));
    expect(result).toHaveLength(20);
    expect(result.filter((info) => info.current).map((info) => info.data.device)).toEqual(['device 3']);
    expect(new Set(result.map((info) => info.handle)).size).toBe(20);
    for (const info of result) {
      expect(info.handle).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(ids.some((id) => id.includes(info.handle) || info.handle.includes(id.slice(0, 10)))).toBe(false);
      expect(info.createdAt).toBeInstanceOf(Date);
      expect(info.lastSeenAt.getTime()).toBeGreaterThanOrEqual(info.createdAt.getTime());
      expect(info.expiresAt?.getTime()).toBeGreaterThan(Date.now());
    }
    // Another user's list is separate; without a session the list is empty.
    await login('bob', 'phone');
    expect((await sessions.forOwner('auth', 'bob').list()).map((i) => i.data.device)).toEqual(['phone']);
    expect((await exchange(sessions, {}, (s) => s.list('auth'))).result).toEqual([]);
  });

  it('200 simultaneous logins of one user in one instance all succeed and are all listed', async () => {
    const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => login('grace', `tab ${i}`)));
    expect(new Set(ids).size).toBe(200);
    const listed = await sessions.forOwner('auth', 'grace').list();
    expect(listed.map((info) => info.data.device).sort()).toEqual(Array.from({ length: 200 }, (_, i) => `tab ${i}`).sort());
    await sessions.forOwner('auth', 'grace').revokeAll();
  }, 20_000);

  it('a first login in each of two instances (each creates the index first) keeps both listed', async () => {
    await login('zoe', 'laptop', define(opened.handle(0)));
    await login('zoe', 'phone', define(opened.handle(1)));
    await login('zoe', 'tablet', define(opened.handle(1)));
    const devices = (await sessions.forOwner('auth', 'zoe').list()).map((i) => i.data.device).sort();
    expect(devices).toEqual(['laptop', 'phone', 'tablet']);
  });

  it('revoke ends one session of the same owner; another owner\'s handle is refused', async () => {
    const mine = await login('cy', 'laptop');
    const other = await login('cy', 'tablet');
    const stranger = await login('dee', 'phone');
    const [strangerInfo] = await sessions.forOwner('auth', 'dee').list();
    const { result: list } = await exchange(sessions, as(mine), (s) => s.list('auth'));
    const tablet = list.find((info) => info.data.device === 'tablet');
    expect((await exchange(sessions, as(mine), (s) => s.revoke('auth', strangerInfo?.handle as string))).result).toBe(false);
    expect((await exchange(sessions, as(mine), (s) => s.revoke('auth', 'no-such-handle'))).result).toBe(false);
    expect((await exchange(sessions, as(mine), (s) => s.revoke('auth', tablet?.handle as string))).result).toBe(true);
    expect((await exchange(sessions, as(other), (s) => s.get('auth'))).result).toBeUndefined();
    expect((await exchange(sessions, as(stranger), (s) => s.get('auth'))).result).toEqual({ userId: 'dee', device: 'phone' });
    expect((await sessions.forOwner('auth', 'cy').list()).map((i) => i.data.device)).toEqual(['laptop']);
  });

  it('revokeOthers keeps this session only; forOwner.revokeAll ends all', async () => {
    const ids = await Promise.all(['a', 'b', 'c'].map((d) => login('eve', d)));
    const { result } = await exchange(sessions, as(ids[0] as string), (s) => s.revokeOthers('auth'));
    expect(result).toBe(2);
    expect((await exchange(sessions, as(ids[0] as string), (s) => s.get('auth'))).result?.device).toBe('a');
    expect((await exchange(sessions, as(ids[1] as string), (s) => s.get('auth'))).result).toBeUndefined();
    expect(await sessions.forOwner('auth', 'eve').revokeAll()).toBe(1);
    expect((await exchange(sessions, as(ids[0] as string), (s) => s.get('auth'))).result).toBeUndefined();
    expect(await sessions.forOwner('auth', 'eve').list()).toEqual([]);
  });

  it('clear removes the entry, regenerate keeps one entry with the same createdAt, a set naming another owner moves it', async () => {
    const a = await login('fay', 'one');
    const b = await login('fay', 'two');
    await exchange(sessions, as(a), (s) => s.clear('auth'));
    expect((await sessions.forOwner('auth', 'fay').list()).map((i) => i.data.device)).toEqual(['two']);
    const [before] = await sessions.forOwner('auth', 'fay').list();
    const { response } = await exchange(sessions, as(b), (s) => s.regenerate('auth'));
    const fresh = wireValue(response, 'auth');
    expect(fresh).not.toBe(b);
    const [after, ...rest] = await sessions.forOwner('auth', 'fay').list();
    expect(rest).toEqual([]);
    expect(after?.createdAt).toEqual(before?.createdAt);
    await exchange(sessions, as(fresh), (s) => s.set('auth', { userId: 'gus', device: 'two' }));
    expect(await sessions.forOwner('auth', 'fay').list()).toEqual([]);
    expect((await sessions.forOwner('auth', 'gus').list()).map((i) => i.data.device)).toEqual(['two']);
  });

  it('a revocation beats requests in flight: their late set and update fail and bring nothing back (repeated)', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await login('hal', `r${round}`);
      // Requests that loaded the session before the revocation...
      const inFlight = await Promise.all(Array.from({ length: 6 }, () => {
        const s = sessions.forRequest(new Request('https://app.example/', { headers: { cookie: `auth=${id}` } }));
        return s.get('auth').then(() => s);
      }));
      expect(await sessions.forOwner('auth', 'hal').revokeAll()).toBe(1);
      // ...write after it returned.
      const outcomes = await Promise.allSettled(
        inFlight.map((s, i) => (i % 2 ? s.set('auth', { userId: 'hal', device: 'late' }) : s.update('auth', (c) => ({ ...(c as Auth), n: 1 })))),
      );
      for (const outcome of outcomes) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(SessionConflictError);
      }
      for (const s of inFlight) expect(setCookieFor(s.applyTo(new Response()), 'auth')).toBeUndefined();
      expect(await sessions.forOwner('auth', 'hal').list()).toEqual([]);
      expect((await exchange(sessions, as(id), (s) => s.get('auth'))).result).toBeUndefined();
    }
  });

  it('a session without an owner is not indexed', async () => {
    const bare = defineSessions({ auth: cookie<Partial<Auth>>({ storage: opened.handle(0), owner: (s) => s.userId }) });
    const { response } = await exchange(bare, {}, (s) => s.set('auth', { device: 'kiosk' }));
    expect((await exchange(bare, as(wireValue(response, 'auth')), (s) => s.list('auth'))).result).toEqual([]);
  });
});

describe('per-user sessions: where they do not apply', () => {
  it('list/revoke/revokeOthers need an owner and a session kept by id', async () => {
    const sessions = defineSessions({ plain: cookie<Auth>({ storage: mapStorage() }) });
    const calls: Array<(s: SessionAccessor<{ plain: Auth }>) => Promise<unknown>> = [(s) => s.list('plain'), (s) => s.revokeOthers('plain')];
    for (const call of calls) {
      await expect(exchange(sessions, {}, call)).rejects.toBeInstanceOf(SessionUnsupportedError);
    }
    expect(() => sessions.forOwner('plain', 'x')).toThrow(/owner/);
  });
});

describe('per-user sessions kept by value (revocations)', () => {
  const SECRET = 'a-secret-of-at-least-32-characters!!';
  const make = () => {
    const revocations = mapStorage();
    const sessions = defineSessions({
      auth: cookie<Auth>({ transform: encrypted({ secret: SECRET }), owner: (s) => s.userId, revocations }),
    });
    return { sessions, revocations };
  };

  it('is a configuration error without revocations, without an owner, by id, or without a protected format', () => {
    expect(() => defineSessions({ a: cookie<Auth>({ transform: encrypted({ secret: SECRET }), owner: (s) => s.userId }) })).toThrow(SessionConfigError);
    expect(() => defineSessions({ a: cookie<Auth>({ transform: encrypted({ secret: SECRET }), revocations: mapStorage() }) })).toThrow(SessionConfigError);
    expect(() => defineSessions({ a: cookie<Auth>({ storage: mapStorage(), owner: (s) => s.userId, revocations: mapStorage() }) })).toThrow(SessionConfigError);
    expect(() => defineSessions({ a: cookie<Auth>({ owner: (s) => s.userId, revocations: mapStorage() }) })).toThrow(SessionConfigError);
  });

  it('revokeAll signs every value created until then out, and only that owner\'s; later logins work', async () => {
    vi.useFakeTimers({ now: new Date('2031-01-01T00:00:00Z'), toFake: ['Date'] });
    try {
      const { sessions, revocations } = make();
      const login = async (userId: string) => wireValue((await exchange(sessions, {}, (s) => s.set('auth', { userId, device: 'x' }))).response, 'auth');
      const ada = await login('ada');
      const bob = await login('bob');
      // A request that opened ada's value before the revocation...
      const held = sessions.forRequest(new Request('https://app.example/', { headers: { cookie: `auth=${ada}` } }));
      expect((await held.get('auth'))?.userId).toBe('ada');
      vi.setSystemTime(new Date('2031-01-01T00:00:10Z'));
      expect(await sessions.forOwner('auth', 'ada').revokeAll()).toBe(0);
      expect(revocations.map.size).toBe(1);
      const read = (id: string) => exchange(sessions, { cookies: { auth: id } }, (s) => s.get('auth'));
      const revoked = await read(ada);
      expect(revoked.result).toBeUndefined();
      expect(setCookieFor(revoked.response, 'auth')?.attributes.get('max-age')).toBe('0');
      expect((await read(bob)).result?.userId).toBe('bob');
      // ...and writes later keeps the value's creation time: what it sends is signed out too.
      vi.setSystemTime(new Date('2031-01-01T00:00:20Z'));
      await held.set('auth', { userId: 'ada', device: 'late' });
      expect((await read(wireValue(held.applyTo(new Response()), 'auth'))).result).toBeUndefined();
      expect((await read(await login('ada'))).result?.userId).toBe('ada');
    } finally {
      vi.useRealTimers();
    }
  });

  it('list, revoke and revokeOthers are unsupported by value', async () => {
    const { sessions } = make();
    await expect(exchange(sessions, {}, (s) => s.list('auth'))).rejects.toBeInstanceOf(SessionUnsupportedError);
    await expect(exchange(sessions, {}, (s) => s.revokeOthers('auth'))).rejects.toBeInstanceOf(SessionUnsupportedError);
    await expect(sessions.forOwner('auth', 'ada').list()).rejects.toBeInstanceOf(SessionUnsupportedError);
    await expect(sessions.forOwner('auth', 'ada').revoke('h')).rejects.toBeInstanceOf(SessionUnsupportedError);
  });
});

describe('per-user sessions: a login racing a revocation of the same owner', () => {
  /** memoryStorage whose calls each resume after 0–3 turns of the event loop, so the two flows interleave differently every time. */
  const shuffled = (inner: SessionStorage): SessionStorage => {
    const later = async () => {
      for (let i = Math.floor(Math.random() * 4); i > 0; i--) await new Promise((resolve) => setImmediate(resolve));
    };
    return {
      read: (key) => later().then(() => inner.read(key)),
      create: (key, value, ttl) => later().then(() => inner.create(key, value, ttl)),
      compareAndSet: (key, expected, next, ttl) => later().then(() => inner.compareAndSet(key, expected, next, ttl)),
      invalidate: (key) => later().then(() => inner.invalidate(key)),
    };
  };

  /** The user's view afterwards: the new session is either ended (reads as none) or listed; never live and unlisted. */
  const expectEndedOrListed = async (sessions: ReturnType<typeof define>, userId: string, id: string, device: string) => {
    const { result: live } = await exchange(sessions, { cookies: { auth: id } }, (s) => s.get('auth'));
    const listed = (await sessions.forOwner('auth', userId).list()).map((info) => info.data.device);
    if (live !== undefined) expect(listed, `${device} is live`).toContain(device);
    // And whatever is listed can still be ended.
    await sessions.forOwner('auth', userId).revokeAll();
    expect((await exchange(sessions, { cookies: { auth: id } }, (s) => s.get('auth'))).result).toBeUndefined();
  };

  it('a revokeAll that reads the index between the login\'s entry and its record leaves the login listed', async () => {
    const inner = memoryStorage();
    let hold: Promise<void> | undefined;
    let holding!: () => void;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    // The login's record write (a version-2 record, not an index) waits until the revocation is over.
    const gated: SessionStorage = {
      ...inner,
      async create(key, value, ttl) {
        if (hold && value.includes('"v":2')) {
          holding();
          await hold;
        }
        return inner.create(key, value, ttl);
      },
    };
    const sessions = define(gated);
    await exchange(sessions, {}, (s) => s.set('auth', { userId: 'ivy', device: 'old' }));
    let release!: () => void;
    hold = new Promise((resolve) => {
      release = resolve;
    });
    const login = exchange(sessions, {}, (s) => s.set('auth', { userId: 'ivy', device: 'new' }));
    await held;
    expect(await sessions.forOwner('auth', 'ivy').revokeAll()).toBe(1);
    release();
    const id = wireValue((await login).response, 'auth');
    expect((await exchange(sessions, { cookies: { auth: id } }, (s) => s.get('auth'))).result?.device).toBe('new');
    expect((await sessions.forOwner('auth', 'ivy').list()).map((info) => info.data.device)).toEqual(['new']);
    await expectEndedOrListed(sessions, 'ivy', id, 'new');
  });

  it('a login whose index entry cannot be written fails (503) and leaves no record behind; one whose record fails leaves nothing reachable', async () => {
    const inner = mapStorage();
    const broken = { index: false, record: false };
    // Index records are version 1, session records version 2.
    const faulty: SessionStorage = {
      ...inner,
      async create(key, value, ttl) {
        if (broken.index && value.includes('"v":1')) throw new Error('ECONNRESET');
        if (broken.record && value.includes('"v":2')) throw new Error('ECONNRESET');
        return inner.create(key, value, ttl);
      },
    };
    const sessions = define(faulty);
    const records = () => [...inner.map.values()].filter((value) => value.includes('"v":2')).length;
    broken.index = true;
    const refused = sessions.handler(async (_request, { session }) => {
      await session.set('auth', { userId: 'kim', device: 'a' });
      return new Response('ok');
    });
    const answer = await refused(new Request('https://app.example/login', { method: 'POST' }), {});
    expect(answer.status).toBe(503);
    expect(answer.headers.getSetCookie()).toEqual([]);
    expect(records()).toBe(0);
    broken.index = false;
    broken.record = true;
    await expect(exchange(sessions, {}, (s) => s.set('auth', { userId: 'kim', device: 'b' }))).rejects.toBeInstanceOf(SessionStorageError);
    expect(records()).toBe(0);
    expect(await sessions.forOwner('auth', 'kim').list()).toEqual([]);
    broken.record = false;
    await exchange(sessions, {}, (s) => s.set('auth', { userId: 'kim', device: 'c' }));
    expect((await sessions.forOwner('auth', 'kim').list()).map((info) => info.data.device)).toEqual(['c']);
  });

  it('200 logins each run alongside a revokeAll (or revokeOthers) of the same owner: each ends up ended or listed', async () => {
    const sessions = define(shuffled(memoryStorage()));
    for (let round = 0; round < 200; round++) {
      const userId = `u${round % 7}`;
      const device = `d${round}`;
      const other = wireValue((await exchange(sessions, {}, (s) => s.set('auth', { userId, device: 'other' }))).response, 'auth');
      const [login] = await Promise.all([
        exchange(sessions, {}, (s) => s.set('auth', { userId, device })),
        round % 2 ? sessions.forOwner('auth', userId).revokeAll() : exchange(sessions, { cookies: { auth: other } }, (s) => s.revokeOthers('auth')),
      ]);
      await expectEndedOrListed(sessions, userId, wireValue(login.response, 'auth'), device);
    }
  });
});
