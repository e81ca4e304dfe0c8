import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import { HOSTILE_IDS, conditional, describeStorageContract, hostileKey } from '../../test/storage-contract.ts';
import { directoryStorage } from './directory.ts';
import { CHILD_SCRIPT, type Outcome, isWholeValue, wholeValue } from '../../test/directory-child.ts';

// `another` is a second storage on the same directory: its own in-process queue, so the
// writers spread over several handles meet at the lock files, as separate processes would.
describeStorageContract('directoryStorage', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sessions-dir-contract-'));
  return {
    storage: directoryStorage(dir),
    another: () => directoryStorage(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  // Every change is fsynced twice (record, directory): fewer random runs keep this suite quick.
}, { propertyRuns: 12 });

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

const exists = (path: string) => stat(path).then(() => true, () => false);

/** Runs a task of directory-child.testutil.ts in its own Node process. */
function child(task: string, args: Record<string, unknown>, how: { command?: string[]; uid?: number } = {}) {
  const node = [process.execPath, '--import', 'tsx', CHILD_SCRIPT, task, JSON.stringify(args)];
  const [command = '', ...rest] = [...(how.command ?? []), ...node];
  const proc = spawn(command, rest, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(how.uid === undefined ? {} : { uid: how.uid, gid: how.uid }),
  });
  const reports: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buffered = '';
  const listeners = new Set<() => void>();
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line) reports.push(JSON.parse(line) as Record<string, unknown>);
    for (const listener of listeners) listener();
  });
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    reports,
    exited,
    stderr: () => stderr,
    /** Resolves once a report satisfies `test`, rejects if the process ends first. */
    until(test: (report: Record<string, unknown>) => boolean): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (reports.some(test)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
        void exited.then(() => {
          if (listeners.delete(check)) reject(new Error(`child ended early: ${stderr}`));
        });
      });
    },
    /** Waits for a clean exit and returns the reports. */
    async done(): Promise<Array<Record<string, unknown>>> {
      const { code, signal } = await exited;
      if (code !== 0) throw new Error(`child ${task} exited with ${code ?? signal}: ${stderr}`);
      return reports;
    },
  };
}

const NOBODY = 65534;

/** `unshare` flags that give a child its own mount namespace here, or undefined if none do. */
async function canMountTmpfs(): Promise<string[] | undefined> {
  const flags = process.getuid?.() === 0 ? ['--mount'] : ['--map-root-user', '--mount'];
  const probe = spawn('unshare', [...flags, 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs /mnt || mount -t tmpfs -o size=64k tmpfs "$TMPDIR"'], {
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((resolve) => {
    probe.once('error', () => resolve(null));
    probe.once('exit', resolve);
  });
  return code === 0 ? flags : undefined;
}

/** A lock file as a writer on `host` with process `pid` leaves it. */
function lockContent(pid: number, host = hostname()): string {
  return JSON.stringify({ pid, host, nonce: '0123456789abcdef' });
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const proc = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => proc.once('exit', resolve));
  if (proc.pid === undefined) throw new Error('no pid');
  return proc.pid;
}

/** Every record file under `dir` parses as a whole record. */
async function allRecordsWhole(dir: string): Promise<{ records: number; torn: string[] }> {
  const files = (await listTree(dir)).filter((path) => path.endsWith('.json'));
  const torn: string[] = [];
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8');
    try {
      const record = JSON.parse(text) as { v: number; value: string };
      if (record.v !== 1 || !isWholeValue(record.value)) torn.push(file);
    } catch {
      torn.push(file);
    }
  }
  return { records: files.length, torn };
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

  it('sweep() also removes abandoned locks and keeps live ones', async () => {
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    await storage.write('a', 'value');
    await storage.write('b', 'value');
    await storage.write('c', 'value');
    const lockOf = (id: string) => recordPath(dir, id).replace(/\.json$/, '.lock');
    await writeFile(lockOf('a'), lockContent(await deadPid()));
    await writeFile(lockOf('b'), lockContent(process.pid));
    await writeFile(lockOf('c'), lockContent(process.pid, 'another-host'));
    const old = new Date(Date.now() - 60_000);
    await utimes(lockOf('c'), old, old);
    expect(await storage.sweep()).toBe(2);
    expect(await exists(lockOf('a'))).toBe(false);
    expect(await exists(lockOf('b'))).toBe(true);
    expect(await exists(lockOf('c'))).toBe(false);
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

  it('takes over a lock whose writer is gone: a dead process, or one older than 10 s', async () => {
    const storage = conditional(directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY, lockTimeoutMs: 2_000 }));
    await storage.write('id', 'v1');
    const lock = recordPath(dir, 'id').replace(/\.json$/, '.lock');
    const old = new Date(Date.now() - 11_000);
    const abandoned: Array<[string, string, Date | undefined]> = [
      ['a dead process on this host', lockContent(await deadPid()), undefined],
      ['a live process, 11 s ago', lockContent(process.pid), old],
      ['another host, 11 s ago', lockContent(1, 'another-host'), old],
      ['a lock that names no owner, 11 s ago', '', old],
    ];
    for (const [i, [what, content, mtime]] of abandoned.entries()) {
      await writeFile(lock, content);
      if (mtime) await utimes(lock, mtime, mtime);
      expect(await storage.compareAndSet('id', `v${i + 1}`, `v${i + 2}`), what).toBe(true);
      expect(await exists(lock), what).toBe(false);
    }
    expect(await storage.read('id')).toBe(`v${abandoned.length + 1}`);
  });

  it('waits for a live lock and fails with SessionStorageError when it is not released in time', async () => {
    const storage = conditional(directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY, lockTimeoutMs: 300 }));
    await storage.write('id', 'v1');
    const lock = recordPath(dir, 'id').replace(/\.json$/, '.lock');
    const held: Array<[string, string]> = [
      ['a live process on this host', lockContent(process.pid)],
      ['a fresh lock from another host', lockContent(1, 'another-host')],
      ['a fresh lock that names no owner', ''],
    ];
    for (const [what, content] of held) {
      await writeFile(lock, content);
      // One at a time: each is awaited as soon as it starts, so no rejection goes unobserved.
      for (const call of [() => storage.write('id', 'x'), () => storage.compareAndSet('id', 'v1', 'x'), () => storage.invalidate('id')]) {
        await expect(call(), what).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE', cause: { code: 'EBUSY' } });
      }
      expect(await storage.read('id'), what).toBe('v1');
      expect(await exists(lock), what).toBe(true);
    }
    // Released while a writer waits: the writer goes ahead.
    const storageWithTime = conditional(directoryStorage(dir, { lockTimeoutMs: 5_000 }));
    const waiting = storageWithTime.compareAndSet('id', 'v1', 'v2');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await rm(lock);
    expect(await waiting).toBe(true);
    expect(await storage.read('id')).toBe('v2');
  });

  it('an invalidate or a write landing while a compare-and-set publishes waits for it, then wins', async () => {
    // The window: the swap compared, and is writing its new value. Without the lock, the
    // invalidate (or write) would land in it and the swap's rename would undo it.
    const storage = conditional(directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY }));
    for (const interloper of ['invalidate', 'write'] as const) {
      await storage.write('id', 'loaded');
      const shard = dirname(recordPath(dir, 'id'));
      const { watch } = await import('node:fs');
      let fired: Promise<void> | undefined;
      const watcher = watch(shard, (_event, file) => {
        if (fired || !String(file).endsWith('.tmp')) return;
        fired = Promise.resolve(interloper === 'invalidate' ? storage.invalidate('id') : storage.write('id', 'written-later'));
      });
      try {
        expect(await storage.compareAndSet('id', 'loaded', 'swapped')).toBe(true);
        await expect.poll(() => fired !== undefined).toBe(true);
        await fired;
      } finally {
        watcher.close();
      }
      expect(await storage.read('id'), interloper).toBe(interloper === 'invalidate' ? undefined : 'written-later');
    }
  });

  it('keeps compare-and-set atomic across processes: 3 processes × 25 increments lose nothing', { timeout: 120_000 }, async () => {
    const storage = conditional(directoryStorage(dir));
    expect(await storage.create('counter', '[]')).toBe(true);
    const processes = 3;
    const times = 25;
    const children = Array.from({ length: processes }, (_, tag) => child('increment', { dir, key: 'counter', times, tag }));
    const reports = (await Promise.all(children.map((c) => c.done()))).flat();
    const final = JSON.parse((await storage.read('counter')) ?? 'null') as string[];
    const attempts = reports.reduce((sum, r) => sum + Number(r.attempts), 0);
    if (process.env.SESSIONS_KIT_FIGURES === '1') {
      console.info(JSON.stringify({ storage: 'directoryStorage', test: 'processes', writers: processes, operations: processes * times, attempts, lost: processes * times - final.length }));
    }
    expect(final).toHaveLength(processes * times);
    expect(new Set(final).size).toBe(processes * times);
    expect((await listTree(dir)).filter((p) => p.endsWith('.lock') || p.endsWith('.tmp'))).toEqual([]);
  });

  it('a writer killed with SIGKILL mid-loop leaves whole records, and no lock that blocks the session', { timeout: 120_000 }, async () => {
    const keys = 4;
    let locksLeft = 0;
    for (let trial = 0; trial < 5; trial++) {
      const writer = child('churn', { dir, keys });
      await writer.until((report) => Number(report.ops) >= 40 + trial * 20);
      writer.proc.kill('SIGKILL');
      expect((await writer.exited).signal).toBe('SIGKILL');

      const { records, torn } = await allRecordsWhole(dir);
      expect(torn, `trial ${trial}`).toEqual([]);
      expect(records).toBeGreaterThan(0);
      locksLeft += (await listTree(dir)).filter((p) => p.endsWith('.lock')).length;

      // A fresh storage (a restarted app) reads and swaps every key at once: a lock left by the
      // dead writer is taken over, not waited out (lockTimeoutMs is far below the 10 s age bound).
      const fresh = conditional(directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY, lockTimeoutMs: 2_000 }));
      for (let k = 0; k < keys; k++) {
        const key = `key-${k}`;
        const current = await fresh.read(key);
        const next = wholeValue(trial + 1);
        if (current === undefined) expect(await fresh.create(key, next)).toBe(true);
        else expect(await fresh.compareAndSet(key, current, next)).toBe(true);
        expect(await fresh.read(key)).toBe(next);
      }
      expect((await listTree(dir)).filter((p) => p.endsWith('.lock'))).toEqual([]);
    }
    if (process.env.SESSIONS_KIT_FIGURES === '1') {
      console.info(JSON.stringify({ storage: 'directoryStorage', test: 'SIGKILL', trials: 5, locksLeftByKilledWriter: locksLeft, blocked: 0 }));
    }
  });

  it('EACCES (a store its user may no longer write): storage errors, the previous record intact', { timeout: 60_000 }, async () => {
    // Root ignores file modes, so when run as root the calls are made by a child process
    // running as `nobody`: the kernel itself refuses them, nothing is simulated.
    const storage = directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY });
    await storage.write('id', 'previous');
    const asRoot = process.getuid?.() === 0;
    const shard = dirname(recordPath(dir, 'id'));
    if (asRoot) {
      await chmod(parent, 0o755);
      for (const path of [dir, shard, recordPath(dir, 'id')]) await chown(path, NOBODY, NOBODY);
    }
    await chmod(shard, 0o500);
    await chmod(dir, 0o500);
    try {
      const faults = child('faults', { dir, key: 'id', big: 1_000 }, asRoot ? { uid: NOBODY } : {});
      const [report] = await faults.done();
      const outcomes = (report?.outcomes ?? []) as Outcome[];
      expect(outcomes).toHaveLength(7);
      for (const outcome of outcomes.filter((o) => o.op !== 'read')) {
        expect(outcome, outcome.op).toMatchObject({ ok: false, code: 'ERR_SESSION_STORAGE', cause: 'EACCES' });
      }
      expect(outcomes.find((o) => o.op === 'read')).toMatchObject({ ok: true, result: 'previous' });
    } finally {
      await chmod(dir, 0o700);
      await chmod(shard, 0o700);
    }
    expect(await storage.read('id')).toBe('previous');
    expect(await storage.read('new-key')).toBeUndefined();
    expect((await listTree(dir)).filter((p) => p.endsWith('.tmp') || p.endsWith('.lock'))).toEqual([]);
  });

  it('a full disk: storage errors, the previous record intact, deletes still work, nothing left behind', { timeout: 60_000 }, async () => {
    // A 1 MB tmpfs mounted in a private mount namespace of the child (as root, or in a user
    // namespace): really full, and invisible outside. Where namespaces are not allowed, a
    // file-size limit (RLIMIT_FSIZE) makes the same writes fail half way (EFBIG) instead.
    await mkdir(dir);
    const tmpfs = await canMountTmpfs();
    const how = tmpfs
      ? { command: ['unshare', ...tmpfs, 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"', 'sh', dir] }
      : { command: ['sh', '-c', 'ulimit -f 32 && exec "$@"', 'sh'] };
    // 12 KB left: the lock fits, the 64 KB record does not (it fails half written).
    const full = child('full-disk', { dir, key: 'id', big: 64 * 1024, leave: 12 * 1024 }, how);
    const [first, second] = await full.done();
    const outcomes = (first?.outcomes ?? []) as Outcome[];
    const cause = tmpfs ? 'ENOSPC' : 'EFBIG';
    expect(outcomes.map((o) => o.op)).toEqual([
      'write',
      'compareAndSet',
      'create (new key)',
      'write (new key)',
      'read',
      'compareAndSet to undefined',
      'invalidate',
    ]);
    for (const outcome of outcomes.slice(0, 4)) {
      expect(outcome, outcome.op).toMatchObject({ ok: false, code: 'ERR_SESSION_STORAGE', cause });
    }
    expect(outcomes[4]).toMatchObject({ ok: true, result: 'previous' });
    // Deleting needs no room: a logout still works on a full disk.
    expect(outcomes[5]).toMatchObject({ ok: true, result: true });
    expect(outcomes[6]).toMatchObject({ ok: true });
    expect(second).toMatchObject({ leftovers: [], after: { ok: true }, readBack: 'after' });
  });

  it('random hostile keys never write outside dir, never share a file, never throw anything else', async () => {
    const outsideBefore = await readdir(parent);
    const storage = conditional(directoryStorage(dir, { sweepIntervalMs: Number.POSITIVE_INFINITY }));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(hostileKey, { minLength: 1, maxLength: 5 }), async (keys) => {
        for (const [i, key] of keys.entries()) {
          expect(await storage.create(key, `v${i}`)).toBe(true);
        }
        const files = (await listTree(dir)).filter((path) => path.endsWith('.json'));
        expect(files).toHaveLength(keys.length);
        for (const path of await listTree(dir)) expect(path).toMatch(/^[0-9a-f]{2}(\/[0-9a-f]{62}\.json)?$/);
        for (const [i, key] of keys.entries()) expect(await storage.compareAndSet(key, `v${i}`, undefined)).toBe(true);
        expect((await listTree(dir)).filter((path) => path.endsWith('.json'))).toEqual([]);
      }),
      { numRuns: 15 },
    );
    expect(await readdir(parent)).toEqual([...outsideBefore, 'store']);
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
    expect(() => directoryStorage(dir, { lockTimeoutMs: 0 })).toThrow(SessionConfigError);
    expect(() => directoryStorage(dir, { lockTimeoutMs: 1.5 })).toThrow(SessionConfigError);
  });
});
