/**
 * The record a by-id session keeps in storage: small JSON, bound to its session
 * name, carrying its own deadlines and a revision nonce.
 *
 * Compare-and-set compares the whole record string. The nonce makes every write
 * unique, so a record that was replaced and then replaced again with the same
 * data and deadlines (A → B → A) still fails a stale compare (no ABA).
 */
import { randomBytes, toBase64url } from '../internal/encoding.ts';
import type { SessionTimes } from '../types.ts';

/** Stored JSON, version 2. Holds no session id: the key is a hash of it, and the value never names it. */
export interface StoredRecord {
  v: 2;
  /** The session the record belongs to: an id issued for one session never opens another sharing the store. */
  n: string;
  /** Revision nonce: 12 random bytes, base64url, new on every write. */
  r: string;
  /** The serialized session. */
  d: string;
  /** createdAt, expiresAt (seconds since the epoch). */
  c?: number;
  e?: number;
}

export function encodeRecord(sessionName: string, payload: string, times: SessionTimes): string {
  const record: StoredRecord = { v: 2, n: sessionName, r: toBase64url(randomBytes(12)), d: payload };
  if (times.createdAt !== undefined) record.c = times.createdAt;
  if (times.expiresAt !== undefined) record.e = times.expiresAt;
  return JSON.stringify(record);
}

/** The record, or undefined for anything malformed (corrupt, another version, another format). */
export function parseRecord(text: string): StoredRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const r = parsed as Record<string, unknown>;
  const time = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isSafeInteger(v));
  if (r.v !== 2 || typeof r.n !== 'string' || typeof r.r !== 'string' || typeof r.d !== 'string') return undefined;
  if (!time(r.c) || !time(r.e)) return undefined;
  return r as unknown as StoredRecord;
}

export function recordTimes(record: StoredRecord): SessionTimes {
  const times: SessionTimes = {};
  if (record.c !== undefined) times.createdAt = record.c;
  if (record.e !== undefined) times.expiresAt = record.e;
  return times;
}
