import { createHash, randomBytes } from 'node:crypto';
import { constants, type BigIntStats, type Dirent } from 'node:fs';
import { link, lstat, mkdir, open, opendir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SessionConfigError, SessionStorageError } from '../errors.ts';
import type { SessionStorage } from '../types.ts';

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
   * Deletes expired and corrupt records, and temp files left by crashed writes.
   * Best-effort: never rejects. Resolves to the number of files removed.
   */
  sweep(): Promise<number>;
};

const DEFAULT_SWEEP_INTERVAL_MS = 10 * 60_000;
/** A temp file older than this belongs to a writer that died; no live write takes that long. */
const STALE_TEMP_MS = 60_000;

const RECORD_NAME = /^[0-9a-f]{62}\.json$/;
const TEMP_NAME = /^\.[0-9a-f]{62}\.[0-9a-f]{16}\.tmp$/;
const SHARD_NAME = /^[0-9a-f]{2}$/;

// O_NOFOLLOW: a symlink planted at a record path is never followed (it fails with ELOOP).
// O_NONBLOCK: a FIFO planted there cannot hang the open. Both are 0 where unsupported.
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

type Loaded =
  | { kind: 'live'; value: string }
  | { kind: 'expired' | 'corrupt'; stat: BigIntStats }
  /** Another format version (e.g. written by a newer release): neither served nor deleted. */
  | { kind: 'foreign' };

/**
 * Sessions stored as one small JSON file per session under `dir`. Works across
 * processes sharing the directory; survives restarts. Node.js only.
 *
 * Ids never become paths: the file name is the SHA-256 of the id, sharded by its first
 * two hex digits (`<dir>/ab/cdef….json`). Writes are atomic (temp file, fsync, rename),
 * so a reader sees the old or the new record, never a mix. Expired records are dropped
 * when read and by a sweep that `write` starts at most once per `sweepIntervalMs`.
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
  // Resolved once, so a later process.chdir() cannot move the store.
  const root = resolve(dir);

  function locate(id: string): { shardDir: string; name: string; file: string } {
    // Hash the UTF-16 code units, not UTF-8: UTF-8 maps every lone surrogate to U+FFFD,
    // which would let two different (hostile) ids share one record.
    const hash = createHash('sha256').update(id, 'utf16le').digest('hex');
    const shardDir = join(root, hash.slice(0, 2));
    const name = hash.slice(2);
    return { shardDir, name, file: join(shardDir, `${name}.json`) };
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

  return {
    async read(id) {
      const { shardDir, name, file } = locate(id);
      let loaded: Loaded | undefined;
      try {
        loaded = await loadRecord(file);
      } catch (err) {
        throw storageError('read a record', err);
      }
      if (loaded?.kind === 'live') return loaded.value;
      if (loaded?.kind === 'expired') {
        // Best-effort; a failure here changes nothing for the caller.
        await removeIfUnchanged(file, loaded.stat, shardDir, name).catch(() => false);
      }
      return undefined;
    },

    async write(id, value, ttlSeconds) {
      const exp = ttlSeconds === undefined ? null : Date.now() + ttlToMs(ttlSeconds);
      const data = JSON.stringify({ v: 1, exp, value });
      const { shardDir, name, file } = locate(id);
      // Same directory as the target, so the rename is atomic (same filesystem).
      const temp = join(shardDir, `.${name}.${randomBytes(8).toString('hex')}.tmp`);
      let tempCreated = false;
      try {
        await mkdir(shardDir, { recursive: true, mode: 0o700 });
        const handle = await open(temp, CREATE_FLAGS, 0o600);
        tempCreated = true;
        try {
          await handle.writeFile(data, 'utf8');
          // Data on disk before the rename publishes it: a crash cannot leave a truncated record.
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, file);
        tempCreated = false;
      } catch (err) {
        if (tempCreated) await unlink(temp).catch(() => undefined);
        throw storageError('write a record', err);
      }
      await syncDirectory(shardDir);
      maybeSweep();
    },

    async invalidate(id) {
      try {
        await unlink(locate(id).file);
      } catch (err) {
        if (errorCode(err) === 'ENOENT') return;
        throw storageError('delete a record', err);
      }
    },

    sweep() {
      return sweepAll(root);
    },
  };
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
    const stat = await handle.stat({ bigint: true });
    if (!stat.isFile()) {
      throw Object.assign(new Error('The record path is not a regular file.'), { code: 'EISDIR' });
    }
    const text = await handle.readFile({ encoding: 'utf8' });
    const record = parseRecord(text);
    if (record === 'corrupt') return { kind: 'corrupt', stat };
    if (record === 'foreign') return { kind: 'foreign' };
    if (record.exp !== null && record.exp <= Date.now()) return { kind: 'expired', stat };
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

/**
 * Deletes `file` only if it is still the very file we judged dead (same dev and inode).
 *
 * A plain unlink could delete a fresh record that a concurrent write renamed into place
 * after we read the old one: that would lose a live session. Instead, move the file
 * aside atomically, check what we moved, and put it back if it was not ours to delete.
 */
async function removeIfUnchanged(file: string, seen: BigIntStats, shardDir: string, name: string): Promise<boolean> {
  const aside = join(shardDir, `.${name}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    await rename(file, aside);
  } catch {
    return false; // already gone (another sweeper, an invalidate): nothing to do
  }
  const moved = await lstat(aside, { bigint: true });
  if (moved.ino === seen.ino && moved.dev === seen.dev) {
    await unlink(aside);
    return true;
  }
  // A writer replaced the record after we read it: restore the fresh one, unless an even
  // newer one is already in place (link fails with EEXIST and the newer record wins).
  try {
    await link(aside, file);
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') {
      // No hard links on this filesystem: a rename back is the next best thing.
      await rename(aside, file);
      return false;
    }
  }
  await unlink(aside);
  return false;
}

/** Walks the shard directories; deletes expired/corrupt records and stale temp files. */
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
    const loaded = await loadRecord(path);
    if (loaded?.kind !== 'expired' && loaded?.kind !== 'corrupt') return false;
    return removeIfUnchanged(path, loaded.stat, shardDir, entry.name.slice(0, -'.json'.length));
  }
  if (TEMP_NAME.test(entry.name)) {
    // mtime is set when a writer creates and fills its temp file. A file moved aside by
    // removeIfUnchanged keeps its mtime: it is either the dead record (old, and meant to
    // go anyway) or a record written moments ago (recent), so it is never taken for stale.
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
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError('directoryStorage: `ttlSeconds` must be a positive finite number.');
  }
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
