import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import { HOSTILE_IDS, describeStorageContract } from './contract.testutil.ts';
import { directoryStorage } from './directory.ts';

describeStorageContract('directoryStorage', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sessions-dir-contract-'));
  return {
    storage: directoryStorage(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

/** The documented layout: sha256 of the id's UTF-16 code units, sharded by the first two hex digits. */
function recordPath(dir: string, id: string): string {
  const hash = createHash('sha256').update(id, 'utf16le').digest('hex');
  return join(dir, hash.slice(0, 2), `${hash.slice(2)}.json`);
}

/** Every path under `dir`, relative to it, sorted. */
async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.map((entry) => entry.toString()).sort();
}

async function plant(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

describe('directoryStorage', () => {
  let parent: string;
  let dir: string;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'sessions-dir-'));
    dir = join(parent, 'store');
  });

  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('stores one private JSON record per id at <dir>/<2 hex>/<62 hex>.json', async () => {
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    const before = Date.now();
    await storage.write('visible-session-id', 'value', 60);
    const path = recordPath(dir, 'visible-session-id');
    expect(relative(dir, path)).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{62}\.json$/);
    const record = JSON.parse(await readFile(path, 'utf8')) as { v: number; exp: number; value: string };
    expect(record.v).toBe(1);
    expect(record.value).toBe('value');
    expect(record.exp).toBeGreaterThanOrEqual(before + 60_000);
    expect(record.exp).toBeLessThanOrEqual(Date.now() + 60_000);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(path))).mode & 0o077).toBe(0);

    await storage.write('no-ttl', 'value');
    expect(JSON.parse(await readFile(recordPath(dir, 'no-ttl'), 'utf8'))).toEqual({ v: 1, exp: null, value: 'value' });
  });

  it('never uses the id in a file name, and hostile ids create nothing outside dir', async () => {
    const outsideBefore = await readdir(parent);
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    const ids = ['visible-session-id', ...HOSTILE_IDS];
    for (const id of ids) await storage.write(id, 'value');
    for (const id of ids) await storage.invalidate(id);
    for (const id of ids) await storage.write(id, 'again');

    expect(await readdir(parent)).toEqual([...outsideBefore, 'store']);
    const tree = await listTree(dir);
    const files = tree.filter((path) => path.endsWith('.json'));
    expect(files).toHaveLength(ids.length);
    for (const path of tree) expect(path).toMatch(/^[0-9a-f]{2}(\/[0-9a-f]{62}\.json)?$/);
    for (const id of ids.filter((id) => id.length >= 3)) {
      for (const path of tree) expect(path.includes(id)).toBe(false);
    }
  });

  it('keeps ids that UTF-8 would merge apart (lone surrogates)', async () => {
    const storage = directoryStorage(dir);
    await storage.write('\ud800', 'one');
    await storage.write('\ud801', 'two');
    expect(await storage.read('\ud800')).toBe('one');
    expect(await storage.read('\ud801')).toBe('two');
    expect(await storage.read('\ufffd')).toBeUndefined();
  });

  it('reads empty, truncated, non-JSON, wrong-shape and foreign records as undefined', async () => {
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    const bad = [
      '',
      '{"v":1,"exp":null,"val',
      'not json',
      'null',
      '"a string"',
      '[]',
      '{}',
      '{"v":1}',
      '{"v":1,"exp":null,"value":5}',
      '{"v":1,"exp":"later","value":"x"}',
      '{"v":"1","exp":null,"value":"x"}',
      '{"v":2,"exp":null,"value":"x"}',
    ];
    for (const content of bad) {
      await plant(recordPath(dir, 'id'), content);
      expect(await storage.read('id')).toBeUndefined();
    }
    // And a valid record in the same spot still works.
    await plant(recordPath(dir, 'id'), '{"v":1,"exp":null,"value":"ok"}');
    expect(await storage.read('id')).toBe('ok');
  });

  it('does not follow a symlink planted at the record path', async () => {
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    const target = join(parent, 'target.json');
    const targetContent = '{"v":1,"exp":null,"value":"planted"}';
    await writeFile(target, targetContent);
    const path = recordPath(dir, 'id');
    await mkdir(dirname(path), { recursive: true });
    await symlink(target, path);

    expect(await storage.read('id')).toBeUndefined();
    // A write replaces the link itself, never the file it points to.
    await storage.write('id', 'real');
    expect(await storage.read('id')).toBe('real');
    expect(await readFile(target, 'utf8')).toBe(targetContent);
  });

  it('fails with SessionStorageError when dir is a regular file', async () => {
    await writeFile(dir, 'not a directory');
    const storage = directoryStorage(dir);
    const failure = await Promise.resolve(storage.write('secret-id', 'value')).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(SessionStorageError);
    expect(failure).toMatchObject({ code: 'ERR_SESSION_STORAGE' });
    expect((failure as Error).cause).toBeDefined();
    expect((failure as Error).message).not.toContain('secret-id');
    // Reads and invalidations report it too: a broken store is never "no session".
    await expect(storage.read('secret-id')).rejects.toBeInstanceOf(SessionStorageError);
    await expect(storage.invalidate('secret-id')).rejects.toBeInstanceOf(SessionStorageError);
    expect(await readFile(dir, 'utf8')).toBe('not a directory');
  });

  it('fails with SessionStorageError when a parent of dir is a regular file (ENOTDIR)', async () => {
    const file = join(parent, 'file');
    await writeFile(file, '');
    const storage = directoryStorage(join(file, 'sub', 'dir'));
    await expect(storage.write('id', 'value')).rejects.toMatchObject({
      code: 'ERR_SESSION_STORAGE',
      cause: { code: 'ENOTDIR' },
    });
  });

  it('fails with SessionStorageError when the record path is a directory, leaving no temp file', async () => {
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    const path = recordPath(dir, 'id');
    await mkdir(join(path, 'inside'), { recursive: true });
    await expect(storage.read('id')).rejects.toBeInstanceOf(SessionStorageError);
    await expect(storage.write('id', 'value')).rejects.toBeInstanceOf(SessionStorageError);
    await expect(storage.invalidate('id')).rejects.toBeInstanceOf(SessionStorageError);
    expect((await listTree(dir)).filter((p) => p.endsWith('.tmp'))).toEqual([]);
  });

  it('deletes an expired record when it is read', async () => {
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    const path = recordPath(dir, 'id');
    await plant(path, JSON.stringify({ v: 1, exp: Date.now() - 1, value: 'old' }));
    expect(await storage.read('id')).toBeUndefined();
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await listTree(dir)).filter((p) => p.endsWith('.tmp'))).toEqual([]);
  });

  it('sweep() removes expired and corrupt records and stale temp files, and keeps the rest', async () => {
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    await storage.write('live-ttl', 'value', 60);
    await storage.write('live-forever', 'value');
    await plant(recordPath(dir, 'expired'), JSON.stringify({ v: 1, exp: Date.now() - 1, value: 'old' }));
    await plant(recordPath(dir, 'corrupt'), '{"v":1,"exp":');
    await plant(recordPath(dir, 'foreign'), '{"v":2,"something":"new"}');
    const shard = dirname(recordPath(dir, 'live-ttl'));
    const staleTemp = join(shard, `.${'a'.repeat(62)}.${'0'.repeat(16)}.tmp`);
    const freshTemp = join(shard, `.${'b'.repeat(62)}.${'0'.repeat(16)}.tmp`);
    const unrelated = join(shard, 'README');
    await writeFile(staleTemp, 'half a rec');
    await writeFile(freshTemp, 'being written');
    await writeFile(unrelated, 'not ours');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(staleTemp, twoMinutesAgo, twoMinutesAgo);

    expect(await storage.sweep()).toBe(3);

    const exists = (path: string) => stat(path).then(() => true, () => false);
    expect(await exists(recordPath(dir, 'expired'))).toBe(false);
    expect(await exists(recordPath(dir, 'corrupt'))).toBe(false);
    expect(await exists(staleTemp)).toBe(false);
    expect(await exists(recordPath(dir, 'foreign'))).toBe(true);
    expect(await exists(freshTemp)).toBe(true);
    expect(await exists(unrelated)).toBe(true);
    expect(await storage.read('live-ttl')).toBe('value');
    expect(await storage.read('live-forever')).toBe('value');
    expect(await storage.sweep()).toBe(0);
  });

  it('never deletes a fresh record that replaced an expired one while it was being removed', async () => {
    // A plain unlink after the expiry check loses most of these rewrites.
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    const path = recordPath(dir, 'id');
    const lost: number[] = [];
    for (let i = 0; i < 100; i++) {
      await plant(path, JSON.stringify({ v: 1, exp: Date.now() - 1, value: 'expired' }));
      const write = storage.write('id', `fresh-${i}`);
      await Promise.all([storage.sweep(), storage.read('id'), storage.sweep(), write]);
      if ((await storage.read('id')) !== `fresh-${i}`) lost.push(i);
    }
    expect(lost).toEqual([]);
  });

  it('sweep() of a missing dir removes nothing and does not throw', async () => {
    expect(await directoryStorage(join(parent, 'missing')).sweep()).toBe(0);
  });

  it('write starts a sweep lazily, at most once per interval', async () => {
    const storage = directoryStorage(dir, { sweepIntervalMs: 60_000 });
    const expired = (id: string) => plant(recordPath(dir, id), JSON.stringify({ v: 1, exp: Date.now() - 1, value: 'x' }));
    await expired('expired-1');
    await storage.write('trigger-1', 'value');
    await expect.poll(() => stat(recordPath(dir, 'expired-1')).then(() => true, () => false)).toBe(false);

    // Within the interval, a second write does not sweep again.
    await expired('expired-2');
    await storage.write('trigger-2', 'value');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await stat(recordPath(dir, 'expired-2'))).isFile()).toBe(true);
  });

  it('never shows a concurrent reader a mix of two values during 100 overwrites', async () => {
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    // Large distinct values, so a torn read would be visible.
    const values = Array.from({ length: 100 }, (_, i) => `${i}:`.padEnd(48 * 1024, String.fromCharCode(65 + (i % 26))));
    const written = new Set(values);
    await storage.write('id', values[0] ?? '');
    let writing = true;
    let reads = 0;
    const torn: Array<string | undefined> = [];
    const reader = async () => {
      while (writing) {
        const value = await storage.read('id');
        if (value === undefined || !written.has(value)) torn.push(value?.slice(0, 20));
        reads++;
      }
    };
    const readers = [reader(), reader(), reader(), reader()];
    for (const value of values) await storage.write('id', value);
    writing = false;
    await Promise.all(readers);
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(await storage.read('id')).toBe(values[99]);
    expect((await listTree(dir)).filter((p) => p.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects a ttlSeconds that is not a positive number', async () => {
    const storage = directoryStorage(dir);
    await expect(storage.write('id', 'value', 0)).rejects.toBeInstanceOf(RangeError);
    await expect(storage.write('id', 'value', Number.NaN)).rejects.toBeInstanceOf(RangeError);
  });

  it('refuses bad options at construction', () => {
    expect(() => directoryStorage('')).toThrow(SessionConfigError);
    expect(() => directoryStorage(dir, { sweepIntervalMs: -1 })).toThrow(SessionConfigError);
    expect(() => directoryStorage(dir, { sweepIntervalMs: Number.NaN })).toThrow(SessionConfigError);
  });
});
