import { randomBytes } from 'node:crypto';
import { type BigIntStats, constants } from 'node:fs';
import { link, lstat, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';

/**
 * A lock file per record, for `directoryStorage`: whoever creates `<record>.lock` (O_EXCL)
 * owns the record until it deletes it. Works between processes, and between machines on a
 * filesystem with atomic exclusive create.
 *
 * A writer that dies holding it (SIGKILL, a crash, a power cut) must not block the record
 * for good, so a lock is taken over when its owner is gone:
 * - its process is dead (same host: the lock names pid and host), or
 * - it is older than {@link STALE_LOCK_MS} (another host, or a lock that names no owner).
 *   No live critical section lasts that long.
 *
 * Needs a filesystem with hard links (locks are published with link()), as every common
 * Linux, macOS and Windows one has.
 *
 * Processes that share a hostname but not a pid namespace (containers on one volume with the
 * same hostname) would misjudge each other's pids: give them distinct hostnames.
 */

/** Where a lock lives, and where a lock that is being broken may be moved aside. */
export interface LockPaths {
  lock: string;
  /** A fresh, unused path in the same directory (the owner sweeps these up if we crash). */
  temp(): string;
}

/** A lock we hold. */
export interface HeldLock {
  /** False when another process took the lock over (we stalled past the stale bound). */
  stillHeld(): Promise<boolean>;
  /** Deletes the lock if it is still ours. Never rejects. */
  release(): Promise<void>;
}

/** A lock this old is abandoned: a critical section is a read, a small write and an fsync. */
export const STALE_LOCK_MS = 10_000;

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const HOST = hostname();

/**
 * Takes the lock, waiting (polling, with backoff) while another live owner holds it and
 * taking over abandoned ones. Rejects with a plain Error after `timeoutMs`; the caller
 * reports it.
 */
export async function acquireLock(paths: LockPaths, timeoutMs: number): Promise<HeldLock> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const held = await tryLock(paths);
    if (held) return held;
    if (await breakIfStale(paths)) continue;
    if (Date.now() >= deadline) {
      throw Object.assign(new Error(`A record stayed locked for ${timeoutMs} ms.`), { code: 'EBUSY' });
    }
    await sleep(Math.min(2 ** attempt, 20) + Math.random() * 5);
  }
}

/** Takes the lock if it is free right now; `undefined` if someone holds it. */
export async function tryLock(paths: LockPaths): Promise<HeldLock | undefined> {
  // The lock is written in full to a temp file, then published with link(), which fails if
  // the lock exists: no one ever sees it empty, so a writer killed at any point leaves either
  // no lock or one that names it (and a temp file, swept later).
  const temp = paths.temp();
  // The nonce tells this lock from any later one, even if the filesystem reuses the inode.
  const owner = JSON.stringify({ pid: process.pid, host: HOST, nonce: randomBytes(8).toString('hex') });
  let stat: BigIntStats;
  try {
    const handle = await open(temp, CREATE_FLAGS, 0o600);
    try {
      await handle.writeFile(owner);
      stat = await handle.stat({ bigint: true });
    } finally {
      await handle.close();
    }
    await link(temp, paths.lock);
  } catch (err) {
    if (errorCode(err) === 'EEXIST') return undefined;
    throw err;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const stillHeld = async () => {
    const now = await lstat(paths.lock, { bigint: true }).catch(() => undefined);
    return now?.ino === stat.ino && now.dev === stat.dev;
  };
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
 * Several processes may judge the same lock abandoned at once, and one of them may already
 * have taken a fresh lock by the time another acts. So the lock is moved aside atomically
 * and deleted only if it is the very lock that was judged (same inode, same content with its
 * nonce); anything else is put back.
 */
export async function breakIfStale(paths: LockPaths): Promise<boolean> {
  let judged: { stat: BigIntStats; text: string };
  try {
    judged = await readLock(paths.lock);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return true;
    throw err;
  }
  if (!isAbandoned(judged.stat, judged.text)) return false;
  const aside = paths.temp();
  try {
    await rename(paths.lock, aside);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return true;
    throw err;
  }
  const moved = await readLock(aside);
  if (moved.stat.ino === judged.stat.ino && moved.stat.dev === judged.stat.dev && moved.text === judged.text) {
    await unlink(aside);
    return true;
  }
  // A live lock taken meanwhile: put it back, unless an even newer one is in place already
  // (then that one's owner proceeds, and this one's owner sees stillHeld() false).
  try {
    await link(aside, paths.lock);
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') {
      await rename(aside, paths.lock); // no hard links here: renaming back is the next best thing
      return false;
    }
  }
  await unlink(aside);
  return false;
}

async function readLock(path: string): Promise<{ stat: BigIntStats; text: string }> {
  const handle = await open(path, READ_FLAGS);
  try {
    const stat = await handle.stat({ bigint: true });
    return { stat, text: await readFile(handle, 'utf8') };
  } finally {
    await handle.close();
  }
}

function isAbandoned(stat: BigIntStats, text: string): boolean {
  if (Date.now() - Number(stat.mtimeMs) > STALE_LOCK_MS) return true;
  const owner = parseOwner(text);
  // No owner named (not one of ours: ours are published whole): only age tells.
  return owner !== undefined && owner.host === HOST && !isRunning(owner.pid);
}

function parseOwner(text: string): { pid: number; host: string } | undefined {
  try {
    const parsed = JSON.parse(text) as { pid?: unknown; host?: unknown };
    if (Number.isSafeInteger(parsed.pid) && typeof parsed.host === 'string') {
      return { pid: parsed.pid as number, host: parsed.host };
    }
  } catch {
    // Empty or partly written: no owner to ask.
  }
  return undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (err) {
    return errorCode(err) === 'EPERM'; // exists, owned by another user
  }
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
