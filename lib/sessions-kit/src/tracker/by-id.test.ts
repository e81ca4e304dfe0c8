/**
 * Sessions kept by id (a session defined with `storage`): id format, Ktor's
 * tracker tests, hostile ids, corrupt records, server-side expiry, storage
 * faults and header sessions with a signed id.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  SessionStorageError,
  type SessionStorage,
  type Sessions,
  cookie,
  defineSessions,
  header,
  memoryStorage,
  signed,
} from '../index.ts';
import { directoryStorage } from '../directory.ts';
import {
  SECRET,
  cookieHeaderFrom,
  decodeJsonSegment,
  flipBitInSegment,
  fromB64url,
  isClearing,
  makeRequest,
  replaceSegment,
  setCookieFor,
  setCookies,
  wireValue,
  exchange,
} from '../test-helpers.testutil.ts';
import { SESSION_ID_PATTERN, isSessionId, newSessionId } from './session-id.ts';

interface User {
  id: string;
  name?: string;
}

interface Cart {
  items: string[];
}

const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

interface WriteCall {
  id: string;
  value: string;
  ttlSeconds: number | undefined;
}

/**
 * An asynchronous storage over a plain Map that ignores TTLs (so only the
 * record's own deadlines can end a session), counts calls, and can be told
 * to fail with a plain Error.
 */
function spyStorage(inner?: SessionStorage) {
  const map = new Map<string, string>();
  const calls = { read: 0, write: 0, invalidate: 0 };
  const reads: string[] = [];
  const writes: WriteCall[] = [];
  const invalidated: string[] = [];
  const faults = { read: false, write: false, invalidate: false };
  let faultError: () => unknown = () => new Error('ECONNREFUSED 127.0.0.1:6379');
  const storage: SessionStorage = {
    async read(id) {
      calls.read++;
      reads.push(id);
      if (faults.read) throw faultError();
      return inner ? inner.read(id) : map.get(id);
    },
    async write(id, value, ttlSeconds) {
      calls.write++;
      if (faults.write) throw faultError();
      writes.push({ id, value, ttlSeconds });
      if (inner) await inner.write(id, value, ttlSeconds);
      else map.set(id, value);
    },
    async invalidate(id) {
      calls.invalidate++;
      if (faults.invalidate) throw faultError();
      invalidated.push(id);
      if (inner) await inner.invalidate(id);
      else map.delete(id);
    },
  };
  return {
    storage,
    map,
    calls,
    reads,
    writes,
    invalidated,
    /** Every call fails (as an unreachable store would) until `recover()`. */
    breakDown(which: Partial<typeof faults> = { read: true, write: true, invalidate: true }, error?: () => unknown) {
      Object.assign(faults, which);
      if (error) faultError = error;
    },
    recover() {
      faults.read = faults.write = faults.invalidate = false;
    },
  };
}

/** The one Set-Cookie line for `name` clears it (Max-Age=0). */
function expectClears(response: Response, name: string): void {
  const line = setCookieFor(response, name);
  expect(line, `expected a Set-Cookie clearing ${name}`).toBeDefined();
  expect(line?.attributes.get('max-age')).toBe('0');
  expect(isClearing(line as NonNullable<typeof line>)).toBe(true);
}

/** Sets `value` in a fresh request; returns the id (the cookie value). */
async function newSession<D, K extends keyof D & string>(sessions: Sessions<D>, name: K, value: D[K]): Promise<string> {
  const { response } = await exchange(sessions, {}, (s) => s.set(name, value));
  return wireValue(response, name);
}

afterEach(() => {
  vi.useRealTimers();
});

describe('session ids', () => {
  it('are 32 CSPRNG bytes, base64url: 43 characters, all distinct over 1000 sets', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { response, result } = await exchange(sessions, {}, async (s) => {
        await s.set('s', { id: `u${i}` });
        return s.id('s');
      });
      const id = wireValue(response, 's');
      expect(id).toMatch(ID_SHAPE);
      expect(result).toBe(id);
      expect(fromB64url(id)).toHaveLength(32);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
    expect(spy.map.size).toBe(1000);
    expect(new Set(spy.writes.map((w) => w.id)).size).toBe(1000);
  });

  it('newSessionId() matches SESSION_ID_PATTERN and never repeats', () => {
    expect(SESSION_ID_PATTERN.source).toBe(ID_SHAPE.source);
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = newSessionId();
      expect(id).toMatch(ID_SHAPE);
      expect(isSessionId(id)).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
  });

  it('isSessionId refuses anything but 43 base64url characters (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        expect(isSessionId(s)).toBe(ID_SHAPE.test(s));
      }),
    );
    expect(isSessionId(`${'A'.repeat(43)}\n`)).toBe(false);
    expect(isSessionId('A'.repeat(42))).toBe(false);
    expect(isSessionId('A'.repeat(44))).toBe(false);
    expect(isSessionId(`${'A'.repeat(42)}=`)).toBe(false);
    expect(isSessionId(`${'A'.repeat(42)}+`)).toBe(false);
  });
});

describe('Ktor: session tracker by id', () => {
  function setup() {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    return { spy, sessions };
  }

  it('resolves the data from a correct id', async () => {
    const { sessions, spy } = setup();
    const id = await newSession(sessions, 's', { id: 'u1', name: 'Ann' });
    expect(spy.map.has(id)).toBe(true);
    const { response, result } = await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'u1', name: 'Ann' });
    // Nothing changed: no Set-Cookie.
    expect(setCookies(response)).toEqual([]);
  });

  it('does not resolve "bad" + id, and clears the cookie', async () => {
    const { sessions, spy } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    const readsBefore = spy.calls.read;
    const { response, result } = await exchange(sessions, { cookies: { s: `bad${id}` } }, (s) => s.get('s'));
    expect(result).toBeUndefined();
    expectClears(response, 's');
    // Malformed: refused before storage.
    expect(spy.calls.read).toBe(readsBefore);
    // The real session is untouched.
    expect(spy.map.has(id)).toBe(true);
  });

  it('an unknown well-formed id + set mints a NEW id (never adopts one the server did not issue)', async () => {
    const { sessions, spy } = setup();
    const planted = 'A'.repeat(43);
    const { response, result } = await exchange(sessions, { cookies: { s: planted } }, async (s) => {
      await s.set('s', { id: 'victim' });
      return s.id('s');
    });
    const id = wireValue(response, 's');
    expect(id).toMatch(ID_SHAPE);
    expect(id).not.toBe(planted);
    expect(result).toBe(id);
    expect(spy.map.has(planted)).toBe(false);
    expect(spy.writes.map((w) => w.id)).not.toContain(planted);
    // Exactly one Set-Cookie line: the new id (not a clear followed by a set).
    expect(setCookies(response)).toHaveLength(1);
    // The planted id still reads as nothing.
    const again = await exchange(sessions, { cookies: { s: planted } }, (s) => s.get('s'));
    expect(again.result).toBeUndefined();
  });

  it('a known id + set keeps the id', async () => {
    const { sessions, spy } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    const { response } = await exchange(sessions, { cookies: { s: id } }, (s) => s.set('s', { id: 'u1', name: 'renamed' }));
    expect(wireValue(response, 's')).toBe(id);
    expect(spy.map.size).toBe(1);
    const { result } = await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'));
    expect(result).toEqual({ id: 'u1', name: 'renamed' });
  });

  it('an unknown id without set reads as no session and clears the cookie', async () => {
    const { sessions, spy } = setup();
    const unknown = newSessionId();
    const { response, result } = await exchange(sessions, { cookies: { s: unknown } }, (s) => s.get('s'));
    expect(result).toBeUndefined();
    expectClears(response, 's');
    expect(spy.reads).toEqual([unknown]);
    expect(spy.calls.write).toBe(0);
  });

  it('clear by id invalidates that id only', async () => {
    const { sessions, spy } = setup();
    const mine = await newSession(sessions, 's', { id: 'me' });
    const other = await newSession(sessions, 's', { id: 'other' });
    expect(mine).not.toBe(other);
    const { response } = await exchange(sessions, { cookies: { s: mine } }, (s) => s.clear('s'));
    expectClears(response, 's');
    expect(spy.invalidated).toEqual([mine]);
    // Checked in storage directly…
    expect(await spy.storage.read(mine)).toBeUndefined();
    expect(JSON.parse((await spy.storage.read(other)) as string)).toMatchObject({ v: 1 });
    // …and through requests.
    expect((await exchange(sessions, { cookies: { s: mine } }, (s) => s.get('s'))).result).toBeUndefined();
    expect((await exchange(sessions, { cookies: { s: other } }, (s) => s.get('s'))).result).toEqual({ id: 'other' });
  });

  it('clear then set in one request issues a new id; the old one stays dead', async () => {
    const { sessions, spy } = setup();
    const old = await newSession(sessions, 's', { id: 'u1' });
    const { response } = await exchange(sessions, { cookies: { s: old } }, async (s) => {
      await s.clear('s');
      await s.set('s', { id: 'u2' });
    });
    const fresh = wireValue(response, 's');
    expect(fresh).not.toBe(old);
    expect(spy.map.has(old)).toBe(false);
    expect((await exchange(sessions, { cookies: { s: fresh } }, (s) => s.get('s'))).result).toEqual({ id: 'u2' });
  });

  it('id(name) returns the id (undefined without a session)', async () => {
    const { sessions } = setup();
    expect((await exchange(sessions, {}, (s) => s.id('s'))).result).toBeUndefined();
    const id = await newSession(sessions, 's', { id: 'u1' });
    const { result, response } = await exchange(sessions, { cookies: { s: id } }, (s) => s.id('s'));
    expect(result).toBe(id);
    expect(setCookies(response)).toEqual([]);
    // An id the server does not know is not reported.
    expect((await exchange(sessions, { cookies: { s: newSessionId() } }, (s) => s.id('s'))).result).toBeUndefined();
  });

  it('regenerate(name) moves the data to a new id and kills the old one', async () => {
    const { sessions, spy } = setup();
    const old = await newSession(sessions, 's', { id: 'u1', name: 'Ann' });
    const storedBefore = JSON.parse(spy.map.get(old) as string) as { d: string; c: number };
    const { response, result } = await exchange(sessions, { cookies: { s: old } }, async (s) => {
      await s.regenerate('s');
      return { id: await s.id('s'), value: await s.get('s') };
    });
    const fresh = wireValue(response, 's');
    expect(fresh).toMatch(ID_SHAPE);
    expect(fresh).not.toBe(old);
    expect(result).toEqual({ id: fresh, value: { id: 'u1', name: 'Ann' } });
    // Through storage.
    expect(await spy.storage.read(old)).toBeUndefined();
    const storedAfter = JSON.parse((await spy.storage.read(fresh)) as string) as { d: string; c: number };
    expect(storedAfter.d).toBe(storedBefore.d);
    expect(storedAfter.c).toBe(storedBefore.c);
    // Through new requests.
    const viaOld = await exchange(sessions, { cookies: { s: old } }, (s) => s.get('s'));
    expect(viaOld.result).toBeUndefined();
    expectClears(viaOld.response, 's');
    expect((await exchange(sessions, { cookies: { s: fresh } }, (s) => s.get('s'))).result).toEqual({ id: 'u1', name: 'Ann' });
  });

  it('regenerate with no session is a no-op', async () => {
    const { sessions, spy } = setup();
    const { response } = await exchange(sessions, {}, (s) => s.regenerate('s'));
    expect(setCookies(response)).toEqual([]);
    expect(spy.calls).toEqual({ read: 0, write: 0, invalidate: 0 });
    // With an unknown id: no write, no invalidate (only the clearing of the bad cookie).
    const unknown = newSessionId();
    const second = await exchange(sessions, { cookies: { s: unknown } }, (s) => s.regenerate('s'));
    expect(spy.calls).toEqual({ read: 1, write: 0, invalidate: 0 });
    expectClears(second.response, 's');
    expect(spy.map.size).toBe(0);
  });

  it('getOrSet creates once, then reads the same id', async () => {
    const { sessions } = setup();
    const create = vi.fn(() => ({ id: 'fresh' }));
    const first = await exchange(sessions, {}, (s) => s.getOrSet('s', create));
    const id = wireValue(first.response, 's');
    const second = await exchange(sessions, { cookies: { s: id } }, (s) => s.getOrSet('s', create));
    expect(second.result).toEqual({ id: 'fresh' });
    expect(create).toHaveBeenCalledTimes(1);
    expect(setCookies(second.response)).toEqual([]);
  });

  it('describe() reports tracking by id', () => {
    const { sessions } = setup();
    expect(sessions.describe('s')).toEqual({ name: 's', transport: 'cookie', wireName: 's', tracking: 'id' });
  });
});

const HOSTILE_IDS = ['../../etc/passwd', '..\\x', '%2e%2e%2f', '*?[', 'x'.repeat(10 * 1024)];

describe('hostile ids', () => {
  it('read as no session and never reach storage (cookie)', async () => {
    const spy = spyStorage(memoryStorage());
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    for (const hostile of HOSTILE_IDS) {
      const { response, result } = await exchange(sessions, { cookies: { s: hostile } }, (s) => s.get('s'));
      expect(result, hostile.slice(0, 20)).toBeUndefined();
      expectClears(response, 's');
    }
    // Percent-encoded traversal decodes to "../" once, and is still refused.
    await exchange(sessions, { cookies: { s: '%2e%2e%2f%2e%2e%2fetc%2fpasswd' } }, (s) => s.get('s'));
    expect(spy.calls).toEqual({ read: 0, write: 0, invalidate: 0 });
  });

  it('read as no session and never reach storage (header, including NUL)', async () => {
    const spy = spyStorage(memoryStorage());
    const sessions = defineSessions({ h: header<User>({ name: 'X-Session', storage: spy.storage }) });
    // A header cannot carry NUL itself; the header transport decodes percent-escapes once.
    for (const hostile of [...HOSTILE_IDS, 'a%00b', `${'A'.repeat(42)}%00`, `${'A'.repeat(21)}%00${'A'.repeat(21)}`]) {
      const { response, result } = await exchange(sessions, { headers: { 'X-Session': hostile } }, (s) => s.get('h'));
      expect(result, hostile.slice(0, 20)).toBeUndefined();
      expect(response.headers.get('X-Session')).toBe('');
    }
    expect(spy.calls).toEqual({ read: 0, write: 0, invalidate: 0 });
  });

  it('reach storage for no operation: get, set, clear, id, regenerate (property over arbitrary strings)', async () => {
    const spy = spyStorage(memoryStorage());
    const sessions = defineSessions({ h: header<User>({ name: 'X-Session', storage: spy.storage }) });
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 120 }).filter((s) => !ID_SHAPE.test(s)),
        async (raw) => {
          // Percent-encode so any string (controls, NUL, non-ASCII) can travel in a header.
          const wire = encodeURIComponent(raw);
          await exchange(sessions, { headers: { 'X-Session': wire } }, async (s) => {
            expect(await s.get('h')).toBeUndefined();
            expect(await s.id('h')).toBeUndefined();
            await s.regenerate('h');
            await s.clear('h');
          });
        },
      ),
      { numRuns: 200 },
    );
    expect(spy.calls).toEqual({ read: 0, write: 0, invalidate: 0 });
    // set with a hostile id: a fresh id, never the hostile one.
    const { response } = await exchange(sessions, { headers: { 'X-Session': '../../etc/passwd' } }, (s) => s.set('h', { id: 'x' }));
    expect(response.headers.get('X-Session')).toMatch(ID_SHAPE);
    expect(spy.writes.map((w) => w.id)).toEqual([response.headers.get('X-Session')]);
  });

  it('an authentic signed value carrying a hostile id still never reaches storage', async () => {
    const spy = spyStorage(memoryStorage());
    const sessions = defineSessions({
      h: header<User>({ name: 'X-Session', storage: spy.storage, transform: signed({ secret: SECRET }) }),
    });
    const signer = signed({ secret: SECRET }).forSession('X-Session');
    for (const hostile of ['../../etc/passwd', 'a\u0000b', '*?[']) {
      const token = await signer.write(hostile);
      const { result, response } = await exchange(sessions, { headers: { 'X-Session': token } }, (s) => s.get('h'));
      expect(result).toBeUndefined();
      expect(response.headers.get('X-Session')).toBe('');
    }
    expect(spy.calls.read).toBe(0);
  });

  describe('with directoryStorage', () => {
    let sandbox: string;
    let dir: string;

    beforeAll(async () => {
      sandbox = await mkdtemp(join(tmpdir(), 'by-id-hostile-'));
      dir = join(sandbox, 'nested', 'store');
      await mkdir(dir, { recursive: true });
      await writeFile(join(sandbox, 'sentinel.txt'), 'keep');
    });

    afterAll(async () => {
      await rm(sandbox, { recursive: true, force: true });
    });

    async function listAll(root: string): Promise<string[]> {
      const out: string[] = [];
      for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
        out.push(join(entry.parentPath, entry.name));
      }
      return out.sort();
    }

    it('no file appears outside the storage dir, whatever the id', async () => {
      const spy = spyStorage(directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY }));
      const sessions = defineSessions({
        s: cookie<User>({ storage: spy.storage }),
        h: header<User>({ name: 'X-Session', storage: spy.storage }),
      });
      const before = await listAll(sandbox);
      for (const hostile of HOSTILE_IDS) {
        // get, then set: a set mints a fresh id and writes under it.
        await exchange(sessions, { cookies: { s: hostile } }, async (s) => {
          expect(await s.get('s')).toBeUndefined();
          await s.set('s', { id: 'x' });
          expect(await s.id('s')).toMatch(ID_SHAPE);
        });
      }
      await exchange(sessions, { headers: { 'X-Session': 'a%00b' } }, async (s) => {
        expect(await s.get('h')).toBeUndefined();
        await s.set('h', { id: 'y' });
      });
      expect(spy.calls.read).toBe(0);
      expect(spy.writes).toHaveLength(HOSTILE_IDS.length + 1);
      for (const w of spy.writes) expect(w.id).toMatch(ID_SHAPE);

      const after = await listAll(sandbox);
      const outside = after.filter((p) => !p.startsWith(`${dir}/`) && !before.includes(p));
      expect(outside).toEqual([]);
      expect(after.filter((p) => p.endsWith('.json'))).toHaveLength(HOSTILE_IDS.length + 1);
    });

    it('the storage itself keeps hostile ids inside its dir (defence in depth)', async () => {
      const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
      const before = await listAll(sandbox);
      for (const hostile of [...HOSTILE_IDS, 'a\u0000b', '/abs/path', '']) {
        expect(await storage.read(hostile)).toBeUndefined();
        await storage.write(hostile, 'v', 60);
        expect(await storage.read(hostile)).toBe('v');
        await storage.invalidate(hostile);
      }
      const after = await listAll(sandbox);
      expect(after.filter((p) => !p.startsWith(`${dir}/`) && !before.includes(p))).toEqual([]);
    });
  });
});

describe('corrupt stored records', () => {
  const CORRUPT = [
    '',
    'not json',
    'null',
    '[]',
    '"string"',
    '{"v":2}',
    '{"v":2,"d":"{}"}',
    '{"v":1,"n":"s","d":5}',
    '{"v":1}',
    '{"v":"1","d":"{}"}',
    '{"v":1,"n":"s","d":"{}","e":"tomorrow"}',
    '{"v":1,"n":"s","d":"{}","e":1.5}',
    '{"v":1,"n":"s","d":"{}","c":"yesterday","e":9999999999}',
    '{"v":1,"n":"s","d":"not json","e":9999999999}',
  ];

  it('read as no session (and the cookie is cleared)', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    for (const record of CORRUPT) {
      const id = newSessionId();
      spy.map.set(id, record);
      const { response, result } = await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'));
      expect(result, record).toBeUndefined();
      expectClears(response, 's');
    }
  });

  it('set over a corrupt record mints a new id', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    const id = newSessionId();
    spy.map.set(id, '{"v":2}');
    const { response } = await exchange(sessions, { cookies: { s: id } }, (s) => s.set('s', { id: 'u' }));
    expect(wireValue(response, 's')).not.toBe(id);
  });

  it('a well-formed record reads (control)', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage, cookie: { maxAge: null } }) });
    const id = newSessionId();
    spy.map.set(id, JSON.stringify({ v: 1, n: 's', d: JSON.stringify({ id: 'ok' }), e: Math.floor(Date.now() / 1000) + 60 }));
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'ok' });
  });
});

describe('records are bound to their session', () => {
  it('an id issued for one session does not open another that shares the storage', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({
      basket: cookie<User>({ storage: spy.storage }),
      auth: cookie<User>({ storage: spy.storage }),
    });
    const basketId = await newSession(sessions, 'basket', { id: 'anonymous basket' });
    const { response, result } = await exchange(sessions, { cookies: { auth: basketId } }, (s) => s.get('auth'));
    expect(result).toBeUndefined();
    expectClears(response, 'auth');
    // And writing through the wrong session mints a new id instead of overwriting the basket.
    const { response: written } = await exchange(sessions, { cookies: { auth: basketId } }, (s) => s.set('auth', { id: 'ada' }));
    expect(wireValue(written, 'auth')).not.toBe(basketId);
    expect((await exchange(sessions, { cookies: { basket: basketId } }, (s) => s.get('basket'))).result).toEqual({
      id: 'anonymous basket',
    });
  });

  it('a by-id session with a browser-session cookie still ends on the server (7 days without use)', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage, cookie: { maxAge: null } }) });
    const { response } = await exchange(sessions, {}, (s) => s.set('s', { id: 'u' }));
    expect(setCookieFor(response, 's')?.attributes.has('max-age')).toBe(false);
    expect(spy.writes[0]?.ttlSeconds).toBe(7 * 24 * 3600);
  });
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
    const record = JSON.parse(spy.map.get(id) as string) as { v: number; d: string; c: number; e: number };
    expect(record).toEqual({ v: 1, n: 's', d: JSON.stringify({ id: 'u1' }), c: T0 / 1000, e: T0 / 1000 + 60 });
    expect(spy.writes[0]?.ttlSeconds).toBe(60);

    at(59);
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1' });

    // 61 s after the last write (the read at +59 renewed the deadline to +119).
    at(59 + 61);
    const { response, result } = await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'));
    expect(result).toBeUndefined();
    expectClears(response, 's');
    // The storage never expired anything: the record is still there, and refused by its own deadline.
    expect(spy.map.has(id)).toBe(true);
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
      const record = JSON.parse(spy.map.get(id) as string) as { e: number };
      expect(record.e).toBe(T0 / 1000 + t + 60);
    }
    for (const w of spy.writes) {
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
    const record = JSON.parse(spy.map.get(id) as string) as { c: number; e: number };
    expect(record.c).toBe(T0 / 1000);
    expect(record.e).toBe(T0 / 1000 + 120);
    expect(spy.writes.at(-1)?.ttlSeconds).toBe(20);
    at(119);
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1', name: 'x' });
    at(120);
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toBeUndefined();
    for (const w of spy.writes) expect(w.ttlSeconds).toBeLessThanOrEqual(60);
  });

  it('a record whose deadline has passed, or that lacks one the policy needs, is refused', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    const now = T0 / 1000;
    const past = newSessionId();
    spy.map.set(past, JSON.stringify({ v: 1, n: 's', d: '{"id":"old"}', c: now - 100, e: now - 1 }));
    const noDeadline = newSessionId();
    spy.map.set(noDeadline, JSON.stringify({ v: 1, n: 's', d: '{"id":"forever"}' }));
    const live = newSessionId();
    spy.map.set(live, JSON.stringify({ v: 1, n: 's', d: '{"id":"live"}', c: now, e: now + 10 }));
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
    expect(spy.writes.map((w) => w.ttlSeconds)).toEqual([7 * 24 * 3600, 3600, 300]);
  });
});

describe('storage faults', () => {
  function setup() {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    return { spy, sessions };
  }

  it('a failing read makes get reject with SessionStorageError (cause kept), never "no session"', async () => {
    const { spy, sessions } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    const boom = new Error('ECONNRESET');
    spy.breakDown({ read: true }, () => boom);
    const s = sessions.forRequest(makeRequest({ cookies: { s: id } }));
    const error = await s.get('s').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SessionStorageError);
    expect(error).toMatchObject({ code: 'ERR_SESSION_STORAGE', name: 'SessionStorageError' });
    expect((error as Error).cause).toBe(boom);
    expect((error as Error).message).not.toContain(id);
    // A fault is not cached as "no session": once the store is back, the same request reads.
    spy.recover();
    expect(await s.get('s')).toEqual({ id: 'u1' });
    expect(setCookies(s.applyTo(new Response('ok')))).toEqual([]);
  });

  it('a failing write makes set reject with SessionStorageError and issues no cookie', async () => {
    const { spy, sessions } = setup();
    spy.breakDown({ write: true });
    const s = sessions.forRequest(makeRequest());
    await expect(s.set('s', { id: 'u1' })).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE' });
    expect(setCookies(s.applyTo(new Response('ok')))).toEqual([]);
    expect(spy.map.size).toBe(0);
  });

  it('a failing write over a known id keeps the client cookie (no clear) and the old data', async () => {
    const { spy, sessions } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    spy.breakDown({ write: true });
    const s = sessions.forRequest(makeRequest({ cookies: { s: id } }));
    await expect(s.set('s', { id: 'u2' })).rejects.toBeInstanceOf(SessionStorageError);
    expect(setCookies(s.applyTo(new Response('ok')))).toEqual([]);
    spy.recover();
    expect((await exchange(sessions, { cookies: { s: id } }, (x) => x.get('s'))).result).toEqual({ id: 'u1' });
  });

  it('a failing invalidate makes clear reject, and sends no clearing cookie', async () => {
    const { spy, sessions } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    spy.breakDown({ invalidate: true });
    const s = sessions.forRequest(makeRequest({ cookies: { s: id } }));
    await expect(s.clear('s')).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE' });
    expect(setCookies(s.applyTo(new Response('ok')))).toEqual([]);
  });

  it('a SessionStorageError from the storage passes through unchanged', async () => {
    const { spy, sessions } = setup();
    const own = new SessionStorageError('store says no');
    spy.breakDown({ write: true }, () => own);
    await expect(sessions.forRequest(makeRequest()).set('s', { id: 'u1' })).rejects.toBe(own);
  });

  it('a custom storage throwing a plain Error (sync or async) is wrapped with cause', async () => {
    const cause = new TypeError('socket hang up');
    const syncThrowing: SessionStorage = {
      read: () => {
        throw cause;
      },
      write: () => {
        throw cause;
      },
      invalidate: () => {
        throw cause;
      },
    };
    const sessions = defineSessions({ s: cookie<User>({ storage: syncThrowing }) });
    const s = sessions.forRequest(makeRequest({ cookies: { s: newSessionId() } }));
    for (const call of [() => s.get('s'), () => s.set('s', { id: 'x' }), () => s.id('s'), () => s.regenerate('s'), () => s.clear('s')]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SessionStorageError);
      expect((error as SessionStorageError).code).toBe('ERR_SESSION_STORAGE');
      expect((error as Error).cause).toBe(cause);
    }
    // Rejecting with a non-Error is wrapped too.
    const rejecting: SessionStorage = {
      read: () => Promise.reject('nope'),
      write: () => Promise.reject('nope'),
      invalidate: () => Promise.reject('nope'),
    };
    const other = defineSessions({ s: cookie<User>({ storage: rejecting }) });
    await expect(other.forRequest(makeRequest()).set('s', { id: 'x' })).rejects.toMatchObject({
      code: 'ERR_SESSION_STORAGE',
      cause: 'nope',
    });
  });

  it('through handler(): 503, no Set-Cookie, and the same cookie works once the store is back', async () => {
    const { spy, sessions } = setup();
    const route = sessions.handler(async (_request, { session }) => {
      const user = await session.get('s');
      if (!user) return Response.json({ user: null }, { status: 401 });
      await session.set('s', { ...user, name: 'visited' });
      return Response.json({ user: await session.get('s') });
    });
    const id = await newSession(sessions, 's', { id: 'u1' });
    const cookieHeader = `s=${id}`;

    spy.breakDown();
    const down = await route(makeRequest({ cookies: cookieHeader }), {});
    expect(down.status).toBe(503);
    expect(down.headers.getSetCookie()).toEqual([]);
    expect(down.headers.get('retry-after')).toBeTruthy();
    expect(down.headers.get('cache-control')).toContain('no-store');
    expect(await down.json()).toMatchObject({ error: expect.any(String) });

    spy.recover();
    const up = await route(makeRequest({ cookies: cookieHeader }), {});
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ user: { id: 'u1', name: 'visited' } });
    expect(wireValue(up, 's')).toBe(id);
  });

  it('through handler(): a failed write (read fine) is 503 with no Set-Cookie, data not lost', async () => {
    const { spy, sessions } = setup();
    const route = sessions.handler(async (_request, { session }) => {
      await session.set('s', { id: 'new' });
      return new Response('ok');
    });
    const id = await newSession(sessions, 's', { id: 'u1' });
    spy.breakDown({ write: true });
    const fresh = await route(makeRequest(), {});
    expect(fresh.status).toBe(503);
    expect(fresh.headers.getSetCookie()).toEqual([]);
    const existing = await route(makeRequest({ cookies: { s: id } }), {});
    expect(existing.status).toBe(503);
    expect(existing.headers.getSetCookie()).toEqual([]);
    spy.recover();
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1' });
  });

  it('a regenerate whose write fails leaves the session on its old id (a later clear still kills it)', async () => {
    const { spy, sessions } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    const s = sessions.forRequest(makeRequest({ cookies: { s: id } }));
    expect(await s.get('s')).toEqual({ id: 'u1' });
    spy.breakDown({ write: true });
    await expect(s.regenerate('s')).rejects.toBeInstanceOf(SessionStorageError);
    spy.recover();
    // Nothing moved: the request still knows its id…
    expect.soft(await s.id('s')).toBe(id);
    // …so a logout in the same request (say, after catching the fault) forgets it in storage.
    await s.clear('s');
    expect.soft(spy.invalidated).toEqual([id]);
    expect(spy.map.has(id)).toBe(false);
    expect((await exchange(sessions, { cookies: { s: id } }, (x) => x.get('s'))).result).toBeUndefined();
  });

  it('through handler(): regenerate and clear faults are 503 with no Set-Cookie', async () => {
    const { spy, sessions } = setup();
    const id = await newSession(sessions, 's', { id: 'u1' });
    spy.breakDown({ invalidate: true });
    for (const action of ['regenerate', 'clear'] as const) {
      const route = sessions.handler(async (_request, { session }) => {
        await session[action]('s');
        return new Response('ok');
      });
      const response = await route(makeRequest({ cookies: { s: id } }), {});
      expect(response.status, action).toBe(503);
      expect(response.headers.getSetCookie(), action).toEqual([]);
    }
    spy.recover();
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'u1' });
  });
});

describe('header sessions by id, signed (Ktor session-header-server)', () => {
  const NAME = 'X-Cart-Session';

  function setup() {
    const spy = spyStorage();
    const sessions = defineSessions({
      cart: header<Cart>({ name: NAME, storage: spy.storage, transform: signed({ secret: SECRET }) }),
    });
    return { spy, sessions };
  }

  async function startCart(sessions: Sessions<{ cart: Cart }>): Promise<string> {
    const { response } = await exchange(sessions, {}, (s) => s.set('cart', { items: ['tea'] }));
    return response.headers.get(NAME) as string;
  }

  it('the response header carries a JWS whose payload is the 43-character id', async () => {
    const { spy, sessions } = setup();
    const { response, result } = await exchange(sessions, {}, async (s) => {
      await s.set('cart', { items: ['tea'] });
      return s.id('cart');
    });
    const token = response.headers.get(NAME) as string;
    const parts = token.split('.');
    expect(parts).toHaveLength(3);
    expect(decodeJsonSegment(parts[0] as string)).toMatchObject({ alg: 'HS256' });
    const id = fromB64url(parts[1] as string).toString('utf8');
    expect(id).toMatch(ID_SHAPE);
    expect(result).toBe(id);
    expect(spy.map.has(id)).toBe(true);
    expect(response.headers.get('access-control-expose-headers')).toContain(NAME);
    expect(setCookies(response)).toEqual([]);
    // Sent back, it resolves.
    const again = await exchange(sessions, { headers: { [NAME]: token } }, (s) => s.get('cart'));
    expect(again.result).toEqual({ items: ['tea'] });
    expect(again.response.headers.get(NAME)).toBeNull();
  });

  it('a tampered value reads as no session, before storage, and the header is cleared', async () => {
    const { spy, sessions } = setup();
    const token = await startCart(sessions);
    const [h, p, m] = token.split('.') as [string, string, string];
    const otherId = newSessionId();
    spy.map.set(otherId, spy.map.values().next().value as string);
    const tampered = [
      replaceSegment(token, 2, flipBitInSegment(m, 5)),
      replaceSegment(token, 1, flipBitInSegment(p, 3)),
      replaceSegment(token, 1, Buffer.from(otherId).toString('base64url')),
      replaceSegment(token, 0, flipBitInSegment(h, 2)),
      `${h}.${p}`,
      fromB64url(p).toString('utf8'), // the bare id, unsigned
      otherId,
    ];
    const readsBefore = spy.calls.read;
    for (const value of tampered) {
      const { response, result } = await exchange(sessions, { headers: { [NAME]: value } }, (s) => s.get('cart'));
      expect(result, value).toBeUndefined();
      expect(response.headers.get(NAME)).toBe('');
    }
    expect(spy.calls.read).toBe(readsBefore);
  });

  it('a value signed with another secret is refused', async () => {
    const { sessions } = setup();
    const token = await startCart(sessions);
    const id = fromB64url(token.split('.')[1] as string).toString('utf8');
    const forged = await signed({ secret: 'another-secret-0123456789abcdefghijklmnop' }).forSession(NAME).write(id);
    expect((await exchange(sessions, { headers: { [NAME]: forged } }, (s) => s.get('cart'))).result).toBeUndefined();
  });

  it('clear: the header is present and empty, exposed to CORS, and the id is dead', async () => {
    const { spy, sessions } = setup();
    const token = await startCart(sessions);
    const id = fromB64url(token.split('.')[1] as string).toString('utf8');
    const route = sessions.handler(async (_request, { session }) => {
      await session.clear('cart');
      return new Response(null, { status: 204, headers: { 'Access-Control-Expose-Headers': 'X-Other' } });
    });
    const response = await route(makeRequest({ method: 'DELETE', headers: { [NAME]: token } }), {});
    expect(response.status).toBe(204);
    expect(response.headers.has(NAME)).toBe(true);
    expect(response.headers.get(NAME)).toBe('');
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(/\s*,\s*/).map((s) => s.toLowerCase());
    expect(exposed).toContain(NAME.toLowerCase());
    expect(exposed).toContain('x-other');
    expect(spy.map.has(id)).toBe(false);
    expect((await exchange(sessions, { headers: { [NAME]: token } }, (s) => s.get('cart'))).result).toBeUndefined();
  });

  it('set keeps the id across requests; regenerate issues a new signed id', async () => {
    const { spy, sessions } = setup();
    const token = await startCart(sessions);
    const id = fromB64url(token.split('.')[1] as string).toString('utf8');
    const { response } = await exchange(sessions, { headers: { [NAME]: token } }, async (s) => {
      const cart = (await s.get('cart')) as Cart;
      await s.set('cart', { items: [...cart.items, 'milk'] });
    });
    expect(fromB64url((response.headers.get(NAME) as string).split('.')[1] as string).toString('utf8')).toBe(id);
    const regen = await exchange(sessions, { headers: { [NAME]: token } }, (s) => s.regenerate('cart'));
    const newToken = regen.response.headers.get(NAME) as string;
    const newId = fromB64url(newToken.split('.')[1] as string).toString('utf8');
    expect(newId).toMatch(ID_SHAPE);
    expect(newId).not.toBe(id);
    expect(spy.map.has(id)).toBe(false);
    expect((await exchange(sessions, { headers: { [NAME]: newToken } }, (s) => s.get('cart'))).result).toEqual({
      items: ['tea', 'milk'],
    });
    expect((await exchange(sessions, { headers: { [NAME]: token } }, (s) => s.get('cart'))).result).toBeUndefined();
  });

  it('cookieHeaderFrom is not involved: header sessions never send Set-Cookie', async () => {
    const { sessions } = setup();
    const { response } = await exchange(sessions, {}, (s) => s.set('cart', { items: [] }));
    expect(() => cookieHeaderFrom(response, 'cart')).toThrow();
  });
});
