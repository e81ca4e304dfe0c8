/**
 * Hostile ids and corrupt records: whatever a client sends or a store holds,
 * it reads as "no session", and a malformed id never reaches storage.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookie, defineSessions, header, memoryStorage, signed } from '../index.ts';
import { directoryStorage } from '../directory.ts';
import { SECRET, exchange, wireValue } from '../../test/helpers.ts';
import { ID_SHAPE, type User, expectClears } from '../../test/by-id.ts';
import { newSessionId } from './record.ts';
import { keyOf, spyStorage } from '../../test/spy-storage.ts';

const HOSTILE_IDS = ['../../etc/passwd', '..\\x', '%2e%2e%2f', '*?[', 'x'.repeat(10 * 1024)];

describe('hostile ids', () => {
  it('read as no session and never reach storage (cookie)', async () => {
    const spy = spyStorage({ inner: memoryStorage() });
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    for (const hostile of HOSTILE_IDS) {
      const { response, result } = await exchange(sessions, { cookies: { s: hostile } }, (s) => s.get('s'));
      expect(result, hostile.slice(0, 20)).toBeUndefined();
      expectClears(response, 's');
    }
    // Percent-encoded traversal decodes to "../" once, and is still refused.
    await exchange(sessions, { cookies: { s: '%2e%2e%2f%2e%2e%2fetc%2fpasswd' } }, (s) => s.get('s'));
    expect(spy.calls).toEqual({ read: 0, invalidate: 0, create: 0, compareAndSet: 0 });
  });

  it('read as no session and never reach storage (header, including NUL)', async () => {
    const spy = spyStorage({ inner: memoryStorage() });
    const sessions = defineSessions({ h: header<User>({ name: 'X-Session', storage: spy.storage }) });
    // A header cannot carry NUL itself; the header transport decodes percent-escapes once.
    for (const hostile of [...HOSTILE_IDS, 'a%00b', `${'A'.repeat(42)}%00`, `${'A'.repeat(21)}%00${'A'.repeat(21)}`]) {
      const { response, result } = await exchange(sessions, { headers: { 'X-Session': hostile } }, (s) => s.get('h'));
      expect(result, hostile.slice(0, 20)).toBeUndefined();
      expect(response.headers.get('X-Session')).toBe('');
    }
    expect(spy.calls).toEqual({ read: 0, invalidate: 0, create: 0, compareAndSet: 0 });
  });

  it('reach storage for no operation: get, set, clear, id, regenerate (property over arbitrary strings)', async () => {
    const spy = spyStorage({ inner: memoryStorage() });
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
    expect(spy.calls).toEqual({ read: 0, invalidate: 0, create: 0, compareAndSet: 0 });
    // set with a hostile id: a fresh id, never the hostile one.
    const { response } = await exchange(sessions, { headers: { 'X-Session': '../../etc/passwd' } }, (s) => s.set('h', { id: 'x' }));
    expect(response.headers.get('X-Session')).toMatch(ID_SHAPE);
    expect(spy.stores.map((w) => w.key)).toEqual([keyOf(response.headers.get('X-Session') as string)]);
  });

  it('an authentic signed value carrying a hostile id still never reaches storage', async () => {
    const spy = spyStorage({ inner: memoryStorage() });
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
      const spy = spyStorage({ inner: directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY }) });
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
      expect(spy.stores).toHaveLength(HOSTILE_IDS.length + 1);
      for (const w of spy.stores) expect(w.key).toMatch(ID_SHAPE);

      const after = await listAll(sandbox);
      const outside = after.filter((p) => !p.startsWith(`${dir}/`) && !before.includes(p));
      expect(outside).toEqual([]);
      expect(after.filter((p) => p.endsWith('.session'))).toHaveLength(HOSTILE_IDS.length + 1);
    });

    it('the storage itself refuses keys that are not plain tokens, and writes nothing outside its dir (defence in depth)', async () => {
      const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
      const before = await listAll(sandbox);
      for (const hostile of [...HOSTILE_IDS, 'a\u0000b', '/abs/path', ''].filter((k) => !/^[A-Za-z0-9_-]{1,200}$/.test(k))) {
        expect(await storage.read(hostile)).toBeUndefined();
        await expect(storage.create(hostile, 'v', 60)).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE' });
        expect(await storage.read(hostile)).toBeUndefined();
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
    '{"v":2,"n":"s","r":"x","d":5}',
    '{"v":2}',
    '{"v":"2","d":"{}"}',
    '{"v":2,"n":"s","d":"{}","e":9999999999}',
    '{"v":2,"n":"s","r":"x","d":"{}","e":"tomorrow"}',
    '{"v":2,"n":"s","r":"x","d":"{}","e":1.5}',
    '{"v":2,"n":"s","r":"x","d":"{}","c":"yesterday","e":9999999999}',
    '{"v":2,"n":"s","r":"x","d":"not json","e":9999999999}',
    // A record from before ids were hashed at rest (version 1) is not read back.
    '{"v":1,"n":"s","d":"{}","e":9999999999}',
  ];

  it('read as no session (and the cookie is cleared)', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    for (const record of CORRUPT) {
      const id = newSessionId();
      spy.map.set(keyOf(id), record);
      const { response, result } = await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'));
      expect(result, record).toBeUndefined();
      expectClears(response, 's');
    }
  });

  it('set over a corrupt record mints a new id', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    const id = newSessionId();
    spy.map.set(keyOf(id), '{"v":2}');
    const { response } = await exchange(sessions, { cookies: { s: id } }, (s) => s.set('s', { id: 'u' }));
    expect(wireValue(response, 's')).not.toBe(id);
  });

  it('a well-formed record reads (control)', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage, cookie: { maxAge: null } }) });
    const id = newSessionId();
    spy.map.set(keyOf(id), JSON.stringify({ v: 2, n: 's', r: 'rev', d: JSON.stringify({ id: 'ok' }), e: Math.floor(Date.now() / 1000) + 60 }));
    expect((await exchange(sessions, { cookies: { s: id } }, (s) => s.get('s'))).result).toEqual({ id: 'ok' });
  });
});
