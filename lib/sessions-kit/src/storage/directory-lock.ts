import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

/**
 * A lock file per record, for `directoryStorage`: whoever publishes `<record>.lock` owns the
 * record until it deletes it. Works between processes, and between machines on a filesystem
 * with atomic exclusive create and hard links (every common Linux, macOS and Windows one).
 *
 * The lock reads `<nonce> <pid> <host> <process start, ms>`. A writer that dies holding it
 * (SIGKILL, a crash, a power cut) must not block the record for long, so a lock is taken over
 * when its owner is gone:
 * - at once when it names this host and a pid that no longer runs, or this pid with another
 *   start time (an earlier process, restarted with the same pid as PID 1 in a container is);
 * - otherwise, unless it is this process's own, once it is older than {@link STALE_LOCK_MS},
 *   which no live critical section (a read, a small write and two fsyncs) lasts: another
 *   host's, one naming no owner, or one whose pid was reused by another process.
 *
 * Processes that share a hostname but not a pid namespace (containers on one volume with the
 * same hostname) would misjudge each other's pids: give them distinct hostnames.
 */

/** Where a lock lives, and where one may be written or moved aside first. */
export interface LockPaths {
  lock: string;
  /** A fresh, unused path in the same directory (swept up if we crash). */
  temp(): string;
}

/** A lock we hold. */
export interface HeldLock {
  /** False when another process took the lock over (we stalled past the stale bound). */
  stillHeld(): Promise<boolean>;
  /** Deletes the lock if it is still ours. Never rejects. */
  release(): Promise<void>;
}

/** A lock this old is abandoned, whoever it names. */
const STALE_LOCK_MS = 10_000;
const HOST = hostname();
/** When this process started: with the pid, it names this process and no earlier one. */
const STARTED = String(Math.round(performance.timeOrigin));
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Takes the lock, waiting (polling, with backoff) while a live owner holds it and taking over
 * abandoned ones. Rejects with an `EBUSY` error after `timeoutMs` (0: one try).
 */
export async function acquireLock(paths: LockPaths, timeoutMs: number): Promise<HeldLock> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const lock = await tryLock(paths);
    if (lock) return lock;
    if (await breakIfStale(paths)) continue;
    if (Date.now() >= deadline) {
      throw Object.assign(new Error(`A record stayed locked for ${timeoutMs} ms.`), { code: 'EBUSY' });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** attempt, 20) + Math.random() * 5));
  }
}

/** Takes the lock if it is free right now; `undefined` if someone holds it. */
async function tryLock(paths: LockPaths): Promise<HeldLock | undefined> {
  // Written in full to a temp file, then published with link(), which fails if the lock
  // exists: no one ever sees it empty, so a writer killed at any point leaves no lock or one
  // that names it (and a temp file, swept later). The nonce tells it from any later lock.
  const owner = `${randomBytes(8).toString('hex')} ${process.pid} ${HOST} ${STARTED}`;
  const temp = paths.temp();
  try {
    await writeFile(temp, owner, { flag: 'wx', mode: 0o600 });
    await link(temp, paths.lock);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return undefined;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const stillHeld = async () => (await readFile(paths.lock, { encoding: 'utf8', flag: READ_FLAGS }).catch(() => '')) === owner;
  return {
    stillHeld,
    async release() {
      if (await stillHeld()) await unlink(paths.lock).catch(() => undefined);
    },
  };
}

/**
 * Removes the lock if its owner is gone. True when the lock is gone (removed here or by
 * someone else), false when a live owner holds it.
 *
 * Several processes may judge the same lock abandoned at once, and one of them may have taken
 * a fresh lock by the time another acts. So the lock is moved aside atomically and deleted
 * only if it is the very lock that was judged (its nonce); anything else is put back.
 */
export async function breakIfStale(paths: LockPaths): Promise<boolean> {
  let judged: string;
  try {
    const handle = await open(paths.lock, READ_FLAGS);
    try {
      const { mtimeMs } = await handle.stat();
      judged = await handle.readFile('utf8');
      if (!isAbandoned(judged, mtimeMs)) return false;
    } finally {
      await handle.close();
    }
    const aside = paths.temp();
    await rename(paths.lock, aside);
    if ((await readFile(aside, 'utf8')) !== judged) {
      // A live lock taken meanwhile: put it back, unless an even newer one is in place already
      // (then that one's owner proceeds, and this one's owner sees stillHeld() false).
      await link(aside, paths.lock).catch(() => undefined);
      await unlink(aside);
      return false;
    }
    await unlink(aside);
    return true;
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return true;
    throw err;
  }
}

function isAbandoned(text: string, mtimeMs: number): boolean {
  const [, pid, host, started] = text.split(' ');
  // This process's own locks are held until released (no clock involved); an earlier
  // process's with this pid are gone.
  if (host === HOST && pid === String(process.pid)) return started !== STARTED;
  if (Date.now() - mtimeMs > STALE_LOCK_MS) return true;
  if (host !== HOST || !/^\d{1,10}$/.test(pid ?? '')) return false; // another host, or no owner named: age tells
  try {
    process.kill(Number(pid), 0); // signal 0: an existence check
    return false;
  } catch (err) {
    return errorCode(err) !== 'EPERM'; // EPERM: it exists, run by another user
  }
}

/** The `code` of a Node.js system error (`ENOENT`, `EACCES`…), if any. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
