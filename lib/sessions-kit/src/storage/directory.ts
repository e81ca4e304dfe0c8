import { randomBytes } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import { lstat, mkdir, open, opendir, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import { checkTtl, positiveInteger } from '../checks.ts';
import type { SessionStorage } from '../types.ts';
import { type HeldLock, type LockPaths, acquireLock, breakIfStale, errorCode } from './directory-lock.ts';

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
   * Least time between two sweeps of expired records, started lazily by `create`.
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
export type DirectoryStorage = SessionStorage & {
  /**
   * Deletes expired and unreadable records, and temp files and locks left by crashed writers.
   * Best-effort: never rejects. Resolves to the number of files removed.
   */
  sweep(): Promise<number>;
};

/**
 * Keys this storage takes as file names as they are: the tracker's keys (43 base64url
 * characters) are such tokens. Nothing else ever becomes a path.
 */
const KEY = /^[A-Za-z0-9_-]{1,200}$/;
/** Our files: `<key>.session` (a record), `<key>.lock`, `.<key>.<16 hex>.tmp` (being written). */
const FILE = /^(?:([A-Za-z0-9_-]{1,200})\.(session|lock)|\.[A-Za-z0-9_-]{1,200}\.[0-9a-f]{16}\.tmp)$/;
/** A record: its expiry (ms since the epoch; 0: none), a newline, the value. */
const HEADER = /^(\d{1,16})\n/;
/** A temp file older than this belongs to a writer that died; no live write takes that long. */
const STALE_TEMP_MS = 60_000;

// O_NOFOLLOW: a symlink planted at a record path is never followed (it fails with ELOOP).
// O_NONBLOCK: a FIFO planted there cannot hang the open. Both are 0 where unsupported.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Where one record lives. */
interface Place extends LockPaths {
  root: string;
  file: string;
}

/**
 * What a record file holds: its value when live, `null` when dead (expired, or not a record
 * this storage wrote), `undefined` when there is none.
 */
type Loaded = string | null | undefined;

/**
 * Sessions stored as one small file per session under `dir`. Works across processes sharing
 * the directory; survives restarts. Node.js only.
 *
 * The file is `<dir>/<key>.session`: the key the tracker hands over is already a one-way hash
 * of the session id, made of A–Z, a–z, 0–9, `_` and `-`, so it is a safe file name as it is.
 * Any other key is refused (`create` throws a `SessionStorageError`; the other calls answer
 * "no such record"), so no key ever becomes a path elsewhere. (On a case-insensitive filesystem
 * two keys differing only in case would share a file; hashes of random ids never meet that way.)
 *
 * Writes are atomic (temp file, fsync, rename), so a reader sees the old or the new record,
 * never a mix, and a failed write (a full disk, no permission, a killed process) leaves the
 * old record readable. Expired records are dropped when read, and by a sweep that `create`
 * starts at most once per `sweepIntervalMs`.
 *
 * Every change to a record happens under its lock file (`<key>.lock`), so a compare-and-set
 * cannot rename its value over a record that was deleted or replaced after it compared. Reads
 * take no lock. A writer that dies holding a lock does not block the record for long (see
 * `directory-lock.ts`).
 *
 * @example
 * ```ts
 * const storage = directoryStorage('/var/lib/my-app/sessions');
 * await storage.create(key, '{"user":1}', 3600); // true
 * await storage.read(key); // '{"user":1}'
 * ```
 */
export function directoryStorage(dir: string, options: DirectoryStorageOptions = {}): DirectoryStorage {
  if (typeof dir !== 'string' || dir === '') {
    throw new SessionConfigError('directoryStorage: `dir` must be a non-empty path.');
  }
  const sweepIntervalMs = options.sweepIntervalMs ?? 10 * 60_000;
  if (typeof sweepIntervalMs !== 'number' || Number.isNaN(sweepIntervalMs) || sweepIntervalMs < 0) {
    throw new SessionConfigError('directoryStorage: `sweepIntervalMs` must be a number >= 0.');
  }
  const lockTimeoutMs = positiveInteger('directoryStorage: `lockTimeoutMs`', options.lockTimeoutMs, 5_000);
  // Resolved once, so a later process.chdir() cannot move the store.
  const root = resolve(dir);
  const locate = (key: string) => (KEY.test(key) ? place(root, key) : undefined);

  let lastSweepAt = Number.NEGATIVE_INFINITY;
  let sweeping: Promise<number> | undefined;

  /** Starts a background sweep when one is due. Never throws, never delays the caller. */
  function maybeSweep(): void {
    if (sweepIntervalMs === Number.POSITIVE_INFINITY || sweeping || Date.now() - lastSweepAt < sweepIntervalMs) return;
    lastSweepAt = Date.now();
    sweeping = sweepAll(root).finally(() => {
      sweeping = undefined;
    });
  }

  /** Runs `change` holding the record's lock; any failure becomes a SessionStorageError. */
  async function locked<T>(at: Place, action: string, change: (lock: HeldLock) => Promise<T>): Promise<T> {
    const lock = await acquireLock(at, lockTimeoutMs).catch((err: unknown) => {
      throw storageError(action, err);
    });
    try {
      return await change(lock);
    } catch (err) {
      throw err instanceof SessionStorageError ? err : storageError(action, err);
    } finally {
      await lock.release();
    }
  }

  /** A lock-free look at the record, enough for the answers that change nothing. */
  function peek(at: Place, action: string): Promise<Loaded> {
    return load(at.file).catch((err: unknown) => {
      throw storageError(action, err);
    });
  }

  return {
    async read(key) {
      const at = locate(key);
      if (!at) return undefined;
      const loaded = await peek(at, 'read a record');
      // Best-effort; a failure here changes nothing for the caller.
      if (loaded === null) await removeIfDead(at).catch(() => false);
      return loaded ?? undefined;
    },

    async create(key, value, ttlSeconds) {
      const data = serialize(value, ttlSeconds);
      const at = locate(key);
      if (!at) {
        throw new SessionStorageError('directoryStorage stores only keys of 1 to 200 characters from A–Z, a–z, 0–9, _ and - (as the tracker makes them).');
      }
      if (typeof (await peek(at, 'create a record')) === 'string') return false;
      await mkdir(root, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
        throw storageError('create a record', err);
      });
      const created = await locked(at, 'create a record', async (lock) => {
        if (typeof (await load(at.file)) === 'string') return false;
        await publish(at, data, lock);
        return true;
      });
      maybeSweep();
      return created;
    },

    async compareAndSet(key, expected, next, ttlSeconds) {
      const data = next === undefined ? undefined : serialize(next, ttlSeconds);
      const at = locate(key);
      // A mismatch seen without the lock is already a valid answer: a lost race's retry costs no lock.
      if (!at || (await peek(at, 'compare a record')) !== expected) return false;
      return locked(at, 'swap a record', async (lock) => {
        if ((await load(at.file)) !== expected) return false;
        await (data === undefined ? remove(at, lock) : publish(at, data, lock));
        return true;
      });
    },

    async invalidate(key) {
      const at = locate(key);
      // Nothing there: done without a lock (a create racing this one simply lands after it).
      if (!at || (await peek(at, 'delete a record')) === undefined) return;
      await locked(at, 'delete a record', (lock) => remove(at, lock));
    },

    sweep: () => sweepAll(root),
  };
}

function place(root: string, key: string): Place {
  return {
    root,
    file: join(root, `${key}.session`),
    lock: join(root, `${key}.lock`),
    // Same directory as the record, so a rename from here is atomic (same filesystem).
    temp: () => join(root, `.${key}.${randomBytes(8).toString('hex')}.tmp`),
  };
}

/** The record file for `value`; the expiry is rounded up to whole ms, so it never comes early. */
function serialize(value: string, ttlSeconds: number | undefined): string {
  if (ttlSeconds !== undefined) checkTtl('directoryStorage', ttlSeconds);
  return `${ttlSeconds === undefined ? 0 : Date.now() + Math.ceil(ttlSeconds * 1000)}\n${value}`;
}

/**
 * Reads one record (see {@link Loaded}); a missing file, or a symlink we refuse to follow, is
 * none. Throws on real I/O failures (a directory in its place, EACCES…), which callers report.
 */
async function load(file: string): Promise<Loaded> {
  let text: string;
  try {
    text = await readFile(file, { encoding: 'utf8', flag: READ_FLAGS });
  } catch (err) {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ELOOP') return undefined;
    throw err;
  }
  const header = HEADER.exec(text);
  if (!header) return null;
  const expiresAt = Number(header[1]);
  return expiresAt === 0 || expiresAt > Date.now() ? text.slice(header[0].length) : null;
}

/** Publishes `data` as the record: temp file, fsync, rename. Call with the lock held. */
async function publish(at: Place, data: string, lock: HeldLock): Promise<void> {
  const temp = at.temp();
  let written = false;
  try {
    const handle = await open(temp, CREATE_FLAGS, 0o600);
    written = true;
    try {
      await handle.writeFile(data, 'utf8');
      // Data on disk before the rename publishes it: a crash cannot leave a truncated record.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await ensureHeld(lock);
    await rename(temp, at.file);
    written = false;
  } finally {
    if (written) await unlink(temp).catch(() => undefined);
  }
  await syncDirectory(at.root);
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
  await syncDirectory(at.root);
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
 * Deletes a dead record, if its lock is free right now (otherwise a writer is busy with it,
 * and whatever it leaves is judged next time). True when deleted.
 */
async function removeIfDead(at: Place): Promise<boolean> {
  if ((await load(at.file)) !== null) return false;
  const lock = await acquireLock(at, 0);
  try {
    // Judged again under the lock: a writer may have replaced it since.
    if ((await load(at.file)) !== null) return false;
    await remove(at, lock);
    return true;
  } finally {
    await lock.release();
  }
}

/** Deletes dead records, stale temp files and abandoned locks under `root`. */
async function sweepAll(root: string): Promise<number> {
  let removed = 0;
  try {
    for await (const entry of await opendir(root)) {
      if (await sweepEntry(root, entry).catch(() => false)) removed++;
    }
  } catch {
    // Best-effort: a missing or unreadable root just means nothing (more) was swept.
  }
  return removed;
}

async function sweepEntry(root: string, entry: Dirent): Promise<boolean> {
  const ours = FILE.exec(entry.name);
  // isFile() is false for symlinks: anything we did not create is left alone.
  if (!ours || !entry.isFile()) return false;
  const [, key, kind] = ours;
  if (key) return kind === 'session' ? removeIfDead(place(root, key)) : breakIfStale(place(root, key));
  // A temp file (or a lock moved aside while being broken: its mtime is the lock's, old only
  // when the lock was abandoned anyway).
  const path = join(root, entry.name);
  if (Date.now() - (await lstat(path)).mtimeMs < STALE_TEMP_MS) return false;
  await unlink(path);
  return true;
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

/** The message names the operation and the errno code only: never the key or its path. */
function storageError(action: string, cause: unknown): SessionStorageError {
  const code = errorCode(cause);
  const suffix = code && /^E[A-Z0-9]+$/.test(code) ? ` (${code})` : '';
  return new SessionStorageError(`directoryStorage could not ${action}${suffix}.`, { cause });
}
