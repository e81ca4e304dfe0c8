import { createHash, randomBytes } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import { lstat, mkdir, open, opendir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import { checkTtl } from '../checks.ts';
import type { SessionStorage } from '../types.ts';
import { type HeldLock, type LockPaths, acquireLock, breakIfStale, tryLock } from './record-lock.ts';

/**
 * Options of {@link directoryStorage}.
 *
 * @example
 * ```ts
 * const options: DirectoryStorageOptions = { sweepIntervalMs: 60 * 60_000 }; // hourly
 * ```
 */
export interface DirectoryStorageOptions {
  /**
   * Least time between two sweeps of expired records, started lazily by `write`.
   * Default 10 minutes; `Infinity` turns the automatic sweep off (call `sweep()` yourself).
   */
  sweepIntervalMs?: number;
  /**
   * Longest wait for another writer's lock on one record before a call fails with a
   * `SessionStorageError`. Default 5 000 ms. (A lock whose writer died is taken over at once
   * on the same host, after 10 s otherwise.)
   */
  lockTimeoutMs?: number;
}

/**
 * A directory storage, plus a way to run the expiry sweep now.
 *
 * @example
 * ```ts
 * const storage: DirectoryStorage = directoryStorage('./.sessions', { sweepIntervalMs: Infinity });
 * const removed = await storage.sweep(); // e.g. from a cron job
 * ```
 */
export type DirectoryStorage = SessionStorage & Required<Pick<SessionStorage, 'create' | 'compareAndSet'>> & {
  /**
   * Deletes expired and corrupt records, and temp files and locks left by crashed writers.
   * Best-effort: never rejects. Resolves to the number of files removed.
   */
  sweep(): Promise<number>;
};

const DEFAULT_SWEEP_INTERVAL_MS = 10 * 60_000;
const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
/** A temp file older than this belongs to a writer that died; no live write takes that long. */
const STALE_TEMP_MS = 60_000;

const RECORD_NAME = /^[0-9a-f]{62}\.json$/;
const LOCK_NAME = /^[0-9a-f]{62}\.lock$/;
const TEMP_NAME = /^\.[0-9a-f]{62}\.[0-9a-f]{16}\.tmp$/;
const SHARD_NAME = /^[0-9a-f]{2}$/;

// O_NOFOLLOW: a symlink planted at a record path is never followed (it fails with ELOOP).
// O_NONBLOCK: a FIFO planted there cannot hang the open. Both are 0 where unsupported.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

type Loaded =
  | { kind: 'live'; value: string }
  | { kind: 'expired' | 'corrupt' }
  /** Another format version (e.g. written by a newer release): neither served nor deleted. */
  | { kind: 'foreign' };

/** Where one record lives. */
interface Place extends LockPaths {
  shardDir: string;
  file: string;
}

/**
 * Sessions stored as one small JSON file per session under `dir`. Works across
 * processes sharing the directory; survives restarts. Node.js only.
 *
 * Ids never become paths: the file name is the SHA-256 of the id, sharded by its first
 * two hex digits (`<dir>/ab/cdef….json`). Writes are atomic (temp file, fsync, rename),
 * so a reader sees the old or the new record, never a mix. Expired records are dropped
 * when read and by a sweep that `write` starts at most once per `sweepIntervalMs`.
 *
 * Every change to a record (`write`, `invalidate`, `create`, `compareAndSet`, removing an
 * expired one) happens under that record's lock file (`<record>.lock`), so a compare-and-set
 * cannot rename its value over a record that was deleted or replaced after it compared.
 * Reads take no lock. A writer that dies holding a lock does not block the record: the lock
 * names its process, and is taken over once that process is gone (see `record-lock.ts`).
 *
 * @example
 * ```ts
 * const storage = directoryStorage('/var/lib/my-app/sessions');
 * await storage.write(id, '{"user":1}', 3600);
 * await storage.read(id); // '{"user":1}'
 * ```
 */
export function directoryStorage(dir: string, options: DirectoryStorageOptions = {}): DirectoryStorage {
  if (typeof dir !== 'string' || dir === '') {
    throw new SessionConfigError('directoryStorage: `dir` must be a non-empty path.');
  }
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  if (typeof sweepIntervalMs !== 'number' || Number.isNaN(sweepIntervalMs) || sweepIntervalMs < 0) {
    throw new SessionConfigError('directoryStorage: `sweepIntervalMs` must be a number >= 0.');
  }
  const lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs <= 0) {
    throw new SessionConfigError('directoryStorage: `lockTimeoutMs` must be a positive integer.');
  }
  // Resolved once, so a later process.chdir() cannot move the store.
  const root = resolve(dir);

  function locate(id: string): Place {
    // Hash the UTF-16 code units, not UTF-8: UTF-8 maps every lone surrogate to U+FFFD,
    // which would let two different (hostile) ids share one record.
    const hash = createHash('sha256').update(id, 'utf16le').digest('hex');
    return place(join(root, hash.slice(0, 2)), hash.slice(2));
  }

  let lastSweepAt = Number.NEGATIVE_INFINITY;
  let sweeping: Promise<number> | undefined;

  /** Starts a background sweep when one is due. Never throws, never delays the caller. */
  function maybeSweep(): void {
    if (sweepIntervalMs === Number.POSITIVE_INFINITY || sweeping) return;
    const now = Date.now();
    if (now - lastSweepAt < sweepIntervalMs) return;
    lastSweepAt = now;
    sweeping = sweepAll(root).finally(() => {
      sweeping = undefined;
    });
  }

  // This instance's callers queue here for a record, so they do not poll its lock file
  // against each other; other processes (and other instances) meet them at the lock file.
  const queues = new Map<string, Promise<void>>();

  /**
   * Runs `change` holding the record's lock (creating the shard directory first when asked);
   * any failure becomes a SessionStorageError.
   */
  function locked<T>(at: Place, action: string, makeShard: boolean, change: (lock: HeldLock) => Promise<T>): Promise<T> {
    const task = async () => {
      let lock: HeldLock;
      try {
        if (makeShard) await mkdir(at.shardDir, { recursive: true, mode: 0o700 });
        lock = await acquireLock(at, lockTimeoutMs);
      } catch (err) {
        throw storageError(action, err);
      }
      try {
        return await change(lock);
      } catch (err) {
        throw err instanceof SessionStorageError ? err : storageError(action, err);
      } finally {
        await lock.release();
      }
    };
    const result = (queues.get(at.lock) ?? Promise.resolve()).then(task);
    const done = result.then(
      () => undefined,
      () => undefined,
    );
    queues.set(at.lock, done);
    void done.then(() => {
      if (queues.get(at.lock) === done) queues.delete(at.lock);
    });
    return result;
  }

  /** A lock-free look at the record, for answers that need no lock ("no such record"). */
  async function peek(at: Place, action: string): Promise<Loaded | undefined> {
    try {
      return await loadRecord(at.file);
    } catch (err) {
      throw storageError(action, err);
    }
  }

  return {
    async read(id) {
      const at = locate(id);
      const loaded = await peek(at, 'read a record');
      if (loaded?.kind === 'live') return loaded.value;
      // Best-effort; a failure here changes nothing for the caller.
      if (loaded?.kind === 'expired') await removeIfDead(at).catch(() => false);
      return undefined;
    },

    async write(id, value, ttlSeconds) {
      const data = serialize(value, ttlSeconds);
      const at = locate(id);
      await locked(at, 'write a record', true, (lock) => replace(at, data, lock));
      maybeSweep();
    },

    async invalidate(id) {
      const at = locate(id);
      // Nothing there: done without a lock (a create racing this one simply lands after it).
      if ((await peek(at, 'delete a record')) === undefined) return;
      await locked(at, 'delete a record', false, (lock) => remove(at, lock));
    },

    async create(id, value, ttlSeconds) {
      const data = serialize(value, ttlSeconds);
      const at = locate(id);
      if (!isAbsent(await peek(at, 'create a record'))) return false;
      const created = await locked(at, 'create a record', true, async (lock) => {
        if (!isAbsent(await loadRecord(at.file))) return false;
        await replace(at, data, lock);
        return true;
      });
      maybeSweep();
      return created;
    },

    async compareAndSet(id, expected, next, ttlSeconds) {
      const data = next === undefined ? undefined : serialize(next, ttlSeconds);
      const at = locate(id);
      const matches = (loaded: Loaded | undefined) => loaded?.kind === 'live' && loaded.value === expected;
      // A mismatch seen without the lock is already a valid answer: the retry of a lost race costs no lock.
      if (!matches(await peek(at, 'compare a record'))) return false;
      return locked(at, 'swap a record', false, async (lock) => {
        if (!matches(await loadRecord(at.file))) return false;
        if (data === undefined) await remove(at, lock);
        else await replace(at, data, lock);
        return true;
      });
    },

    sweep() {
      return sweepAll(root);
    },
  };
}

function place(shardDir: string, name: string): Place {
  return {
    shardDir,
    file: join(shardDir, `${name}.json`),
    lock: join(shardDir, `${name}.lock`),
    // Same directory as the record, so a rename from here is atomic (same filesystem).
    temp: () => join(shardDir, `.${name}.${randomBytes(8).toString('hex')}.tmp`),
  };
}

function serialize(value: string, ttlSeconds: number | undefined): string {
  const exp = ttlSeconds === undefined ? null : Date.now() + ttlToMs(ttlSeconds);
  return JSON.stringify({ v: 1, exp, value });
}

function isDead(loaded: Loaded | undefined): boolean {
  return loaded?.kind === 'expired' || loaded?.kind === 'corrupt';
}

/** No record a caller could be told about: missing, expired or unreadable garbage. */
function isAbsent(loaded: Loaded | undefined): boolean {
  return loaded === undefined || isDead(loaded);
}

/** Publishes `data` as the record: temp file, fsync, rename. Call with the lock held. */
async function replace(at: Place, data: string, lock: HeldLock): Promise<void> {
  const temp = at.temp();
  let tempCreated = false;
  try {
    const handle = await open(temp, CREATE_FLAGS, 0o600);
    tempCreated = true;
    try {
      await handle.writeFile(data, 'utf8');
      // Data on disk before the rename publishes it: a crash cannot leave a truncated record.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await ensureHeld(lock);
    await rename(temp, at.file);
    tempCreated = false;
  } finally {
    if (tempCreated) await unlink(temp).catch(() => undefined);
  }
  await syncDirectory(at.shardDir);
}

/** Deletes the record (durably: a deleted session must not come back after a power cut). Call with the lock held. */
async function remove(at: Place, lock: HeldLock): Promise<void> {
  await ensureHeld(lock);
  try {
    await unlink(at.file);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return;
    throw err;
  }
  await syncDirectory(at.shardDir);
}

/**
 * Only the lock's owner may change the record. Losing it means this process stalled past the
 * stale bound and another one took over: stop rather than overwrite what that one did.
 */
async function ensureHeld(lock: HeldLock): Promise<void> {
  if (!(await lock.stillHeld())) {
    throw new SessionStorageError('directoryStorage lost its lock on a record to another writer; nothing was changed.');
  }
}

/**
 * Deletes an expired or corrupt record, if its lock is free right now (otherwise a writer
 * is busy with it, and whatever it leaves is judged next time). True when deleted.
 */
async function removeIfDead(at: Place): Promise<boolean> {
  if (!isDead(await loadRecord(at.file))) return false;
  const lock = await tryLock(at);
  if (!lock) return false;
  try {
    // Judged again under the lock: a writer may have replaced it since.
    if (!isDead(await loadRecord(at.file))) return false;
    await remove(at, lock);
    return true;
  } finally {
    await lock.release();
  }
}

/**
 * Opens and parses one record. `undefined`: no record (missing, or a symlink we refuse
 * to follow). Throws on real I/O failures, which the caller reports as storage errors.
 */
async function loadRecord(file: string): Promise<Loaded | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, READ_FLAGS);
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ELOOP') return undefined;
    throw err;
  }
  try {
    // Stat the open handle, not the path: this is the file we read, even if it is replaced meanwhile.
    if (!(await handle.stat()).isFile()) {
      throw Object.assign(new Error('The record path is not a regular file.'), { code: 'EISDIR' });
    }
    const text = await handle.readFile({ encoding: 'utf8' });
    const record = parseRecord(text);
    if (record === 'corrupt') return { kind: 'corrupt' };
    if (record === 'foreign') return { kind: 'foreign' };
    if (record.exp !== null && record.exp <= Date.now()) return { kind: 'expired' };
    return { kind: 'live', value: record.value };
  } finally {
    await handle.close();
  }
}

function parseRecord(text: string): { exp: number | null; value: string } | 'corrupt' | 'foreign' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'corrupt'; // empty, truncated or not JSON
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'corrupt';
  const record = parsed as { v?: unknown; exp?: unknown; value?: unknown };
  if (typeof record.v === 'number' && record.v !== 1) return 'foreign';
  if (record.v !== 1 || typeof record.value !== 'string') return 'corrupt';
  if (record.exp === null) return { exp: null, value: record.value };
  if (typeof record.exp !== 'number' || !Number.isFinite(record.exp)) return 'corrupt';
  return { exp: record.exp, value: record.value };
}

/** Walks the shard directories; deletes expired/corrupt records, stale temp files and abandoned locks. */
async function sweepAll(root: string): Promise<number> {
  let removed = 0;
  try {
    for await (const shard of await opendir(root)) {
      if (!shard.isDirectory() || !SHARD_NAME.test(shard.name)) continue;
      const shardDir = join(root, shard.name);
      try {
        for await (const entry of await opendir(shardDir)) {
          if (await sweepEntry(shardDir, entry).catch(() => false)) removed++;
        }
      } catch {
        // An unreadable shard must not stop the others from being swept.
      }
    }
  } catch {
    // Best-effort: a missing or unreadable root just means nothing was swept.
  }
  return removed;
}

async function sweepEntry(shardDir: string, entry: Dirent): Promise<boolean> {
  // isFile() is false for symlinks: anything we did not create is left alone.
  if (!entry.isFile()) return false;
  const path = join(shardDir, entry.name);
  if (RECORD_NAME.test(entry.name)) {
    return removeIfDead(place(shardDir, entry.name.slice(0, -'.json'.length)));
  }
  if (LOCK_NAME.test(entry.name)) {
    // A live lock is left alone; an abandoned one goes.
    return breakIfStale(place(shardDir, entry.name.slice(0, -'.lock'.length)));
  }
  if (TEMP_NAME.test(entry.name)) {
    // mtime is set when a writer creates and fills its temp file. A lock moved aside while
    // being broken keeps its mtime: old when it was abandoned (meant to go anyway), recent
    // when it was live and is being put back, so it is never taken for stale.
    const stat = await lstat(path);
    if (Date.now() - stat.mtimeMs < STALE_TEMP_MS) return false;
    await unlink(path);
    return true;
  }
  return false;
}

/** Makes the rename itself durable. Best-effort: some filesystems refuse to fsync a directory. */
async function syncDirectory(path: string): Promise<void> {
  try {
    const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The record is already in place and readable; only crash-durability is at stake.
  }
}

/** Whole milliseconds, rounded up so a record never expires early. */
function ttlToMs(ttlSeconds: number): number {
  checkTtl('directoryStorage', ttlSeconds);
  return Math.ceil(ttlSeconds * 1000);
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The message names the operation and the errno code only: never the id or its path. */
function storageError(action: string, cause: unknown): SessionStorageError {
  const code = errorCode(cause);
  const suffix = code && /^E[A-Z0-9]+$/.test(code) ? ` (${code})` : '';
  return new SessionStorageError(`directoryStorage could not ${action}${suffix}.`, { cause });
}
