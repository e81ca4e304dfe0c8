import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import { HOSTILE_KEYS, describeStorageContract, hostileKey } from '../../test/storage-contract.ts';
import { directoryStorage } from './directory.ts';
import { type Outcome, bundleChild, isWholeValue, wholeValue } from '../../test/directory-child.ts';

// `another` is a second storage on the same directory, as another process would hold.
describeStorageContract('directoryStorage', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sessions-dir-contract-'));
  return {
    storage: directoryStorage(dir),
    another: () => directoryStorage(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  // Every change is fsynced twice (record, directory): fewer random runs keep this suite quick.
}, { propertyRuns: 12 });

/** The documented layout: `<dir>/<key>.session`. */
const recordPath = (dir: string, key: string) => join(dir, `${key}.session`);
const lockPath = (dir: string, key: string) => join(dir, `${key}.lock`);
/** A record file as the storage writes it: the expiry in ms since the epoch (0: none), a newline, the value. */
const recordText = (expiresAt: number, value: string) => `${expiresAt}\n${value}`;
const NO_SWEEP = { sweepIntervalMs: Number.POSITIVE_INFINITY };

/** Every path under `dir`, relative to it, sorted; none when `dir` was never created. */
async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries.map((entry) => entry.toString()).sort();
}

const leftovers = async (dir: string) => (await listTree(dir)).filter((p) => p.endsWith('.tmp') || p.endsWith('.lock'));

async function plant(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

const exists = (path: string) => stat(path).then(() => true, () => false);

let bundle: Awaited<ReturnType<typeof bundleChild>>;
beforeAll(async () => {
  bundle = await bundleChild();
});
afterAll(() => bundle.dispose());

/** Runs a task of directory-child.ts in its own Node process (the bundle: nothing from the checkout). */
function child(task: string, args: Record<string, unknown>, how: { command?: string[]; uid?: number } = {}) {
  const [command = '', ...rest] = [...(how.command ?? []), process.execPath, bundle.script, task, JSON.stringify(args)];
  const proc = spawn(command, rest, {
    cwd: dirname(bundle.script),
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
    exited,
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
  return `0123456789abcdef ${pid} ${host} 1700000000000`;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const proc = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => proc.once('exit', resolve));
  if (proc.pid === undefined) throw new Error('no pid');
  return proc.pid;
}

/** Another process that stays alive until killed: a live lock owner on this host. */
let sleeper: ChildProcess;
beforeAll(() => {
  sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600_000)'], { stdio: 'ignore' });
});
afterAll(() => {
  sleeper.kill('SIGKILL');
});
const livePid = () => sleeper.pid as number;

/** Every record file under `dir` holds a whole value. */
async function allRecordsWhole(dir: string): Promise<{ records: number; torn: string[] }> {
  const files = (await listTree(dir)).filter((path) => path.endsWith('.session'));
  const torn: string[] = [];
  for (const file of files) {
    const match = /^\d+\n([\s\S]*)$/.exec(await readFile(join(dir, file), 'utf8'));
    if (!match || !isWholeValue(match[1] ?? '')) torn.push(file);
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

  it('stores one private file per key at <dir>/<key>.session: the expiry, a newline, the value', async () => {
    const storage = directoryStorage(dir, NO_SWEEP);
    const key = 'nJ5fY0h3-Qx_2ZkT8wVbA1cDeFgHiJkLmNoPqRsTuVw';
    const before = Date.now();
    await storage.create(key, 'value\nwith a newline', 60);
    const [expiresAt, ...value] = (await readFile(recordPath(dir, key), 'utf8')).split('\n');
    expect(value.join('\n')).toBe('value\nwith a newline');
    expect(Number(expiresAt)).toBeGreaterThanOrEqual(before + 60_000);
    expect(Number(expiresAt)).toBeLessThanOrEqual(Date.now() + 60_000);
    expect((await stat(recordPath(dir, key))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o077).toBe(0);

    await storage.create('no-ttl', 'value');
    expect(await readFile(recordPath(dir, 'no-ttl'), 'utf8')).toBe(recordText(0, 'value'));
    expect(await listTree(dir)).toEqual([`${key}.session`, 'no-ttl.session']);
  });

  it('refuses keys that are not plain tokens: create throws, the rest find no record, nothing is written', async () => {
    const outsideBefore = await readdir(parent);
    const storage = directoryStorage(dir, NO_SWEEP);
    await storage.create('kept', 'value');
    for (const key of [...HOSTILE_KEYS, 'a.b', 'a b', 'é', 'x'.repeat(201)]) {
      await expect(storage.create(key, 'value'), key).rejects.toBeInstanceOf(SessionStorageError);
      expect(await storage.read(key)).toBeUndefined();
      expect(await storage.compareAndSet(key, 'value', 'next')).toBe(false);
      await storage.invalidate(key);
    }
    expect(await readdir(parent)).toEqual([...outsideBefore, 'store']);
    expect(await listTree(dir)).toEqual(['kept.session']);
    expect(await storage.read('kept')).toBe('value');
  });

  it('reads files that are not its records, and expired ones, as no record', async () => {
    const storage = directoryStorage(dir, NO_SWEEP);
    const bad = ['', 'no header', '\nvalue', 'abc\nvalue', '-1\nvalue', ' 0\nvalue', '12345678901234567\nvalue', recordText(Date.now() - 1, 'old')];
    for (const content of bad) {
      await plant(recordPath(dir, 'key'), content);
      expect(await storage.read('key'), content).toBeUndefined();
      expect(await storage.compareAndSet('key', 'value', 'x'), content).toBe(false);
    }
    // And a record in the same spot works, the empty value included.
    for (const value of ['ok', '']) {
      await plant(recordPath(dir, 'key'), recordText(0, value));
      expect(await storage.read('key')).toBe(value);
    }
  });

  it('does not follow a symlink planted at the record path', async () => {
    const storage = directoryStorage(dir, NO_SWEEP);
    const target = join(parent, 'target');
    await writeFile(target, recordText(0, 'planted'));
    await mkdir(dir);
    await symlink(target, recordPath(dir, 'key'));

    expect(await storage.read('key')).toBeUndefined();
    // A create replaces the link itself, never the file it points to.
    expect(await storage.create('key', 'real')).toBe(true);
    expect(await storage.read('key')).toBe('real');
    expect(await readFile(target, 'utf8')).toBe(recordText(0, 'planted'));
  });

  it('fails with SessionStorageError when dir is a regular file', async () => {
    await writeFile(dir, 'not a directory');
    const storage = directoryStorage(dir);
    const failure = await storage.create('secret-key', 'value').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(SessionStorageError);
    expect(failure).toMatchObject({ code: 'ERR_SESSION_STORAGE' });
    expect((failure as Error).cause).toBeDefined();
    expect((failure as Error).message).not.toContain('secret-key');
    // Reads and invalidations report it too: a broken store is never "no session".
    await expect(storage.read('secret-key')).rejects.toBeInstanceOf(SessionStorageError);
    await expect(storage.invalidate('secret-key')).rejects.toBeInstanceOf(SessionStorageError);
    expect(await readFile(dir, 'utf8')).toBe('not a directory');
  });

  it('fails with SessionStorageError when a parent of dir is a regular file (ENOTDIR)', async () => {
    const file = join(parent, 'file');
    await writeFile(file, '');
    const storage = directoryStorage(join(file, 'sub', 'dir'));
    await expect(storage.create('key', 'value')).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE', cause: { code: 'ENOTDIR' } });
  });

  it('fails with SessionStorageError when the record path is a directory, leaving no temp file', async () => {
    const storage = directoryStorage(dir, NO_SWEEP);
    await mkdir(join(recordPath(dir, 'key'), 'inside'), { recursive: true });
    await expect(storage.read('key')).rejects.toBeInstanceOf(SessionStorageError);
    await expect(storage.create('key', 'value')).rejects.toBeInstanceOf(SessionStorageError);
    await expect(storage.compareAndSet('key', 'value', 'next')).rejects.toBeInstanceOf(SessionStorageError);
    await expect(storage.invalidate('key')).rejects.toBeInstanceOf(SessionStorageError);
    expect(await leftovers(dir)).toEqual([]);
  });

  it('deletes an expired record when it is read', async () => {
    const storage = directoryStorage(dir, NO_SWEEP);
    await plant(recordPath(dir, 'key'), recordText(Date.now() - 1, 'old'));
    expect(await storage.read('key')).toBeUndefined();
    expect(await exists(recordPath(dir, 'key'))).toBe(false);
    expect(await leftovers(dir)).toEqual([]);
  });

  it('sweep() removes expired and unreadable records, stale temp files and abandoned locks, and keeps the rest', async () => {
    const storage = directoryStorage(dir, NO_SWEEP);
    await storage.create('live-ttl', 'value', 60);
    await storage.create('live-forever', 'value');
    for (const key of ['a', 'b', 'c']) await storage.create(`locked-${key}`, 'value');
    await plant(recordPath(dir, 'expired'), recordText(Date.now() - 1, 'old'));
    await plant(recordPath(dir, 'corrupt'), 'not a record');
    const staleTemp = join(dir, `.live-ttl.${'0'.repeat(16)}.tmp`);
    const freshTemp = join(dir, `.live-ttl.${'1'.repeat(16)}.tmp`);
    const unrelated = ['README', 'notes.txt', 'key.json'].map((name) => join(dir, name));
    await writeFile(staleTemp, 'half a rec');
    await writeFile(freshTemp, 'being written');
    for (const path of unrelated) await writeFile(path, 'not ours');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(staleTemp, twoMinutesAgo, twoMinutesAgo);
    await writeFile(lockPath(dir, 'locked-a'), lockContent(await deadPid()));
    await writeFile(lockPath(dir, 'locked-b'), lockContent(livePid()));
    await writeFile(lockPath(dir, 'locked-c'), lockContent(livePid(), 'another-host'));
    await utimes(lockPath(dir, 'locked-c'), twoMinutesAgo, twoMinutesAgo);

    expect(await storage.sweep()).toBe(5);

    for (const path of [recordPath(dir, 'expired'), recordPath(dir, 'corrupt'), staleTemp, lockPath(dir, 'locked-a'), lockPath(dir, 'locked-c')]) {
      expect(await exists(path), path).toBe(false);
    }
    for (const path of [freshTemp, lockPath(dir, 'locked-b'), ...unrelated]) expect(await exists(path), path).toBe(true);
    expect(await storage.read('live-ttl')).toBe('value');
    expect(await storage.read('live-forever')).toBe('value');
    expect(await storage.sweep()).toBe(0);
  });

  it('never deletes a fresh record that replaced an expired one while it was being removed', async () => {
    // A plain unlink after the expiry check loses most of these.
    const storage = directoryStorage(dir, NO_SWEEP);
    const lost: number[] = [];
    for (let i = 0; i < 100; i++) {
      await plant(recordPath(dir, 'key'), recordText(Date.now() - 1, 'expired'));
      const created = storage.create('key', `fresh-${i}`);
      await Promise.all([storage.sweep(), storage.read('key'), storage.sweep(), created]);
      if ((await storage.read('key')) !== `fresh-${i}`) lost.push(i);
    }
    expect(lost).toEqual([]);
  });

  it('sweep() of a missing dir removes nothing and does not throw', async () => {
    expect(await directoryStorage(join(parent, 'missing')).sweep()).toBe(0);
  });

  it('create starts a sweep lazily, at most once per interval', async () => {
    const storage = directoryStorage(dir, { sweepIntervalMs: 60_000 });
    const expired = (key: string) => plant(recordPath(dir, key), recordText(Date.now() - 1, 'x'));
    await expired('expired-1');
    await storage.create('trigger-1', 'value');
    await expect.poll(() => exists(recordPath(dir, 'expired-1'))).toBe(false);

    // Within the interval, a second create does not sweep again.
    await expired('expired-2');
    await storage.create('trigger-2', 'value');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await exists(recordPath(dir, 'expired-2'))).toBe(true);
  });

  it('never shows a concurrent reader a mix of two values during 100 swaps', async () => {
    const storage = directoryStorage(dir, NO_SWEEP);
    // Large distinct values, so a torn read would be visible.
    const values = Array.from({ length: 101 }, (_, i) => `${i}:`.padEnd(48 * 1024, String.fromCharCode(65 + (i % 26))));
    const written = new Set(values);
    await storage.create('key', values[0] ?? '');
    let writing = true;
    let reads = 0;
    const torn: Array<string | undefined> = [];
    const reader = async () => {
      while (writing) {
        const value = await storage.read('key');
        if (value === undefined || !written.has(value)) torn.push(value?.slice(0, 20));
        reads++;
      }
    };
    const readers = [reader(), reader(), reader(), reader()];
    for (let i = 1; i < values.length; i++) expect(await storage.compareAndSet('key', values[i - 1] ?? '', values[i] ?? '')).toBe(true);
    writing = false;
    await Promise.all(readers);
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(await storage.read('key')).toBe(values[100]);
    expect(await leftovers(dir)).toEqual([]);
  });

  it('takes over a lock whose writer is gone: a dead process, an earlier process with this pid, or one older than 10 s', async () => {
    const storage = directoryStorage(dir, { ...NO_SWEEP, lockTimeoutMs: 2_000 });
    await storage.create('key', 'v1');
    const old = new Date(Date.now() - 11_000);
    const abandoned: Array<[string, string, Date | undefined]> = [
      ['a dead process on this host', lockContent(await deadPid()), undefined],
      ['this pid, started at another time (a restarted container)', lockContent(process.pid), undefined],
      ['a live process, 11 s ago', lockContent(livePid()), old],
      ['another host, 11 s ago', lockContent(1, 'another-host'), old],
      ['a lock that names no owner, 11 s ago', '', old],
    ];
    for (const [i, [what, content, mtime]] of abandoned.entries()) {
      await writeFile(lockPath(dir, 'key'), content);
      if (mtime) await utimes(lockPath(dir, 'key'), mtime, mtime);
      const started = Date.now();
      expect(await storage.compareAndSet('key', `v${i + 1}`, `v${i + 2}`), what).toBe(true);
      expect(Date.now() - started, what).toBeLessThan(1_000); // taken over, not waited out
      expect(await exists(lockPath(dir, 'key')), what).toBe(false);
    }
    expect(await storage.read('key')).toBe(`v${abandoned.length + 1}`);
  });

  it('never takes a lock of its own process for abandoned, whatever the clock says', async () => {
    // The wall clock an hour ahead of the files' mtimes (a clock step, or fake timers in a test).
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3_600_000);
    try {
      const storage = directoryStorage(dir, NO_SWEEP);
      await storage.create('counter', '0');
      const increment = async () => {
        for (;;) {
          const current = (await storage.read('counter')) ?? '';
          if (await storage.compareAndSet('counter', current, String(Number(current) + 1))) return;
        }
      };
      await Promise.all(Array.from({ length: 20 }, increment));
      expect(await storage.read('counter')).toBe('20');
    } finally {
      vi.useRealTimers();
    }
  });

  it('waits for a live lock and fails with SessionStorageError when it is not released in time', async () => {
    const storage = directoryStorage(dir, { ...NO_SWEEP, lockTimeoutMs: 300 });
    await storage.create('key', 'v1');
    const held: Array<[string, string]> = [
      ['a live process on this host', lockContent(livePid())],
      ['a fresh lock from another host', lockContent(1, 'another-host')],
      ['a fresh lock that names no owner', ''],
    ];
    for (const [what, content] of held) {
      await writeFile(lockPath(dir, 'key'), content);
      for (const call of [() => storage.compareAndSet('key', 'v1', 'x'), () => storage.invalidate('key')]) {
        await expect(call(), what).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE', cause: { code: 'EBUSY' } });
      }
      expect(await storage.read('key'), what).toBe('v1');
      expect(await exists(lockPath(dir, 'key')), what).toBe(true);
    }
    // Released while a writer waits: the writer goes ahead.
    const patient = directoryStorage(dir, { lockTimeoutMs: 5_000 });
    const waiting = patient.compareAndSet('key', 'v1', 'v2');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await rm(lockPath(dir, 'key'));
    expect(await waiting).toBe(true);
    expect(await storage.read('key')).toBe('v2');
  });

  it('a change landing while a compare-and-set publishes waits for it, then sees its result', async () => {
    // The window: the swap compared and is writing its new value. Without the lock, an
    // invalidate landing in it would be undone by the swap's rename, and a second swap that
    // compared against the old value would overwrite the first.
    const storage = directoryStorage(dir, NO_SWEEP);
    const interlopers = [
      ['invalidate', () => storage.invalidate('key'), undefined],
      ['compareAndSet of the old value', () => storage.compareAndSet('key', 'loaded', 'late'), 'swapped'],
    ] as const;
    for (const [what, interlope, after] of interlopers) {
      await storage.create('key', 'loaded');
      let fired: Promise<unknown> | undefined;
      // Any temp file seen while the swap holds the lock (of the record, or of the lock itself).
      const watcher = watch(dir, (_event, file) => {
        if (!fired && String(file).endsWith('.tmp') && existsSync(lockPath(dir, 'key'))) fired = interlope();
      });
      try {
        expect(await storage.compareAndSet('key', 'loaded', 'swapped')).toBe(true);
        await expect.poll(() => fired !== undefined).toBe(true);
        await fired;
      } finally {
        watcher.close();
      }
      expect(await storage.read('key'), what).toBe(after);
      await storage.invalidate('key');
    }
  });

  it('keeps compare-and-set atomic across processes: 3 processes × 25 increments lose nothing', { timeout: 120_000 }, async () => {
    const storage = directoryStorage(dir);
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
    expect(await leftovers(dir)).toEqual([]);
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
      const fresh = directoryStorage(dir, { ...NO_SWEEP, lockTimeoutMs: 2_000 });
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

  it('EACCES (a store its user may no longer write): storage errors, the previous record intact', { timeout: 60_000 }, async ({ skip }) => {
    // Root ignores file modes, so when run as root the calls are made by a child process
    // running as `nobody`: the kernel itself refuses them, nothing is simulated.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      const probe = await child('probe', {}, { uid: NOBODY })
        .done()
        .catch((err: unknown) => err as Error);
      if (probe instanceof Error) {
        const why = `the child cannot run as nobody here (${/^\w*Error\b.*$/m.exec(probe.message)?.[0] ?? probe.message})`;
        console.warn(`Skipping the EACCES test: ${why}`);
        skip(why);
      }
    }
    const storage = directoryStorage(dir, NO_SWEEP);
    await storage.create('key', 'previous');
    if (asRoot) {
      await chmod(parent, 0o755);
      for (const path of [dir, recordPath(dir, 'key')]) await chown(path, NOBODY, NOBODY);
    }
    await chmod(dir, 0o500);
    try {
      const [report] = await child('faults', { dir, key: 'key', big: 1_000 }, asRoot ? { uid: NOBODY } : {}).done();
      const outcomes = (report?.outcomes ?? []) as Outcome[];
      expect(outcomes).toHaveLength(5);
      for (const outcome of outcomes.filter((o) => o.op !== 'read')) {
        expect(outcome, outcome.op).toMatchObject({ ok: false, code: 'ERR_SESSION_STORAGE', cause: 'EACCES' });
      }
      expect(outcomes.find((o) => o.op === 'read')).toMatchObject({ ok: true, result: 'previous' });
    } finally {
      await chmod(dir, 0o700);
    }
    expect(await storage.read('key')).toBe('previous');
    expect(await storage.read('new-key')).toBeUndefined();
    expect(await leftovers(dir)).toEqual([]);
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
    const [first, second] = await child('full-disk', { dir, key: 'key', big: 64 * 1024, leave: 12 * 1024 }, how).done();
    const outcomes = (first?.outcomes ?? []) as Outcome[];
    const cause = tmpfs ? 'ENOSPC' : 'EFBIG';
    expect(outcomes.map((o) => o.op)).toEqual(['compareAndSet', 'create (new key)', 'read', 'compareAndSet to undefined', 'invalidate']);
    for (const outcome of outcomes.slice(0, 2)) {
      expect(outcome, outcome.op).toMatchObject({ ok: false, code: 'ERR_SESSION_STORAGE', cause });
    }
    expect(outcomes[2]).toMatchObject({ ok: true, result: 'previous' });
    // Deleting needs no room: a logout still works on a full disk.
    expect(outcomes[3]).toMatchObject({ ok: true, result: true });
    expect(outcomes[4]).toMatchObject({ ok: true });
    expect(second).toMatchObject({ leftovers: [], after: { ok: true, result: true }, readBack: 'after' });
  });

  it('random keys: a token is stored under its own file, anything else refused; nothing lands outside dir', async () => {
    const outsideBefore = await readdir(parent);
    const storage = directoryStorage(dir, NO_SWEEP);
    const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,200}$/);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.oneof(token, hostileKey), { minLength: 1, maxLength: 5 }), async (keys) => {
        for (const [i, key] of keys.entries()) {
          if (/^[A-Za-z0-9_-]{1,200}$/.test(key)) expect(await storage.create(key, `v${i}`)).toBe(true);
          else await expect(storage.create(key, `v${i}`)).rejects.toBeInstanceOf(SessionStorageError);
        }
        const stored = keys.filter((key) => /^[A-Za-z0-9_-]{1,200}$/.test(key));
        expect(await listTree(dir)).toEqual(stored.map((key) => `${key}.session`).sort());
        for (const key of stored) expect(await storage.compareAndSet(key, `v${keys.indexOf(key)}`, undefined)).toBe(true);
        expect(await listTree(dir)).toEqual([]);
      }),
      { numRuns: 15 },
    );
    // Only the store's own folder may appear (it is not made when every key was refused).
    expect((await readdir(parent)).filter((name) => !outsideBefore.includes(name) && name !== 'store')).toEqual([]);
  });

  it('rejects a ttlSeconds that is not a positive number', async () => {
    const storage = directoryStorage(dir);
    await expect(storage.create('key', 'value', 0)).rejects.toBeInstanceOf(RangeError);
    await expect(storage.create('key', 'value', Number.NaN)).rejects.toBeInstanceOf(RangeError);
    await expect(storage.compareAndSet('key', 'value', 'next', -1)).rejects.toBeInstanceOf(RangeError);
  });

  it('refuses bad options at construction', () => {
    expect(() => directoryStorage('')).toThrow(SessionConfigError);
    expect(() => directoryStorage(dir, { sweepIntervalMs: -1 })).toThrow(SessionConfigError);
    expect(() => directoryStorage(dir, { sweepIntervalMs: Number.NaN })).toThrow(SessionConfigError);
    expect(() => directoryStorage(dir, { lockTimeoutMs: 0 })).toThrow(SessionConfigError);
    expect(() => directoryStorage(dir, { lockTimeoutMs: 1.5 })).toThrow(SessionConfigError);
  });
});
