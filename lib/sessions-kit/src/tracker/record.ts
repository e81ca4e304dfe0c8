/**
 * What a by-id session leaves on the server, and how its id becomes a storage key.
 *
 * Ids: 32 bytes from the CSPRNG, base64url (43 characters), checked against that shape before
 * anything reaches storage. Storages never see an id, only base64url(SHA-256(namespace + id)), so
 * a Redis dump, a replica, `MONITOR` or a directory listing holds no live token.
 *
 * The record is small JSON bound to its session name, carrying its own deadlines and a revision
 * nonce. Compare-and-set compares the whole string; the nonce makes every write unique, so a
 * record that was replaced and then replaced again with the same data (A → B → A) still fails a
 * stale compare (no ABA). ABA needs only uniqueness, not secrecy: the nonce is a random 72-bit
 * prefix drawn once per process plus a counter, so no two writes from any processes share one
 * (short of a 72-bit prefix collision); the stored record is not a credential.
 */
import { randomBytes, toBase64url } from '../internal/encoding.ts';
import { sha256 } from '../internal/crypto.ts';
import { nowSeconds } from '../internal/platform.ts';
import type { SessionTimes } from '../types.ts';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
/** Versioned: changing the derivation must change every key (old records then simply end). */
const KEY_NAMESPACE = 'sessions-kit/id/v1:';
const HANDLE_NAMESPACE = 'sessions-kit/handle/v1:';

/**
 * Ids come from a pooled CSPRNG buffer, each byte used once: one getRandomValues call per id was
 * 12 % of the CPU of a Redis login without an owner (a CPU profile, not a bench/results.md row).
 */
let idPool = new Uint8Array(0);
let idOffset = 0;

export function newSessionId(): string {
  if (idOffset >= idPool.length) [idPool, idOffset] = [randomBytes(32 * 256), 0];
  idOffset += 32;
  return toBase64url(idPool.subarray(idOffset - 32, idOffset));
}

export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

/** The storage key for a session id: 43 base64url characters, never the id. */
export async function storageKey(id: string): Promise<string> {
  return toBase64url(await sha256(KEY_NAMESPACE + id));
}

/**
 * `fn` memoized for up to `max` distinct arguments, then emptied (dropping the oldest one by one
 * scans a Map's holes: 2 % of a Redis login's CPU profile where every owner is new).
 */
export function bounded<R>(max: number, fn: (arg: string) => R): (arg: string) => R {
  const cache = new Map<string, R>();
  return (arg) => {
    const hit = cache.get(arg);
    if (hit !== undefined) return hit;
    if (cache.size >= max) cache.clear();
    const value = fn(arg);
    cache.set(arg, value);
    return value;
  };
}

/**
 * A session's handle, for lists of a user's sessions: stable, safe to show and to put in a URL. It
 * is derived from the storage key, which is derived from the id, so it can be turned into neither.
 * Cached per key (keys are hashes, not ids); micro-benchmark: tracker list() of 10 sessions 44 → 17 µs.
 * bench/results.md (2026-12-05 18:51): per-user list() 0.06 on memoryStorage, 2.05 on Redis.
 */
export const handleOf = bounded(10_000, async (key: string) => toBase64url(await sha256(HANDLE_NAMESPACE + key)).slice(0, 22));

const NONCE_PREFIX = toBase64url(randomBytes(9));
let nonceCount = 0;

/**
 * Stored JSON, version 2: `v`, the session name `n`, a revision nonce `r` (see above), the
 * serialized session `d`, createdAt `c` / expiresAt `e` and written-at `w` in seconds, and the
 * owner `o` when the definition names one. It never names the id.
 */
export function encodeRecord(sessionName: string, draft: { payload: string; times: SessionTimes; owner?: string }): string {
  const { payload, times, owner } = draft;
  // Was 12 fresh random bytes per write (3.5 % of the Redis update() CPU profile); micro-benchmark: encodeRecord 6.9 → 0.7 µs.
  const r = NONCE_PREFIX + (nonceCount++).toString(36);
  return JSON.stringify({ v: 2, n: sessionName, r, d: payload, c: times.createdAt, e: times.expiresAt, w: nowSeconds(), o: owner });
}

/** The record's payload and deadlines, or undefined for anything malformed or another session's. */
export function parseRecord(
  text: string,
  sessionName: string,
): { payload: string; times: SessionTimes; owner?: string; seen: number } | undefined {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text);
  } catch {
    return undefined;
  }
  const time = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isSafeInteger(v));
  if (typeof r !== 'object' || r === null || r.v !== 2 || r.n !== sessionName || typeof r.r !== 'string' || typeof r.d !== 'string') return undefined;
  if (!time(r.c) || !time(r.e) || !time(r.w) || (r.o !== undefined && typeof r.o !== 'string')) return undefined;
  const times: SessionTimes = {};
  if (r.c !== undefined) times.createdAt = r.c as number;
  if (r.e !== undefined) times.expiresAt = r.e as number;
  return { payload: r.d, times, owner: r.o as string | undefined, seen: (r.w as number | undefined) ?? 0 };
}
