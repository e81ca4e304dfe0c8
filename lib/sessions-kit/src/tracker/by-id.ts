/**
 * By id: the client holds only an id; the payload and its deadlines live in
 * storage as a small JSON record. Deadlines in the record are checked on
 * every read, so an expired session is dead before any sweep removes it.
 */
import { SessionStorageError } from '../errors.ts';
import type { SessionStorage, SessionTimes } from '../types.ts';
import { isSessionId, newSessionId } from './session-id.ts';
import type { SessionTracker, TrackedSession } from './tracker.ts';

interface StoredRecord {
  v: 1;
  /** The session the record belongs to: an id issued for one session never opens another sharing the store. */
  n: string;
  /** The serialized session. */
  d: string;
  /** createdAt, expiresAt (seconds since the epoch). */
  c?: number;
  e?: number;
}

export function byIdTracker(storage: SessionStorage, sessionName: string): SessionTracker {
  const guard = async <R>(what: string, run: () => R | Promise<R>): Promise<R> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof SessionStorageError) throw error;
      // A custom storage threw something else: still a storage fault, never "no session".
      throw new SessionStorageError(`Session storage failed to ${what} session "${sessionName}".`, { cause: error });
    }
  };

  return {
    byId: true,

    async load(token): Promise<TrackedSession | undefined> {
      if (!isSessionId(token)) return undefined;
      const stored = await guard('read', () => storage.read(token));
      if (stored === undefined) return undefined;
      const record = parseRecord(stored);
      if (!record || record.n !== sessionName) return undefined;
      const times: SessionTimes = {};
      if (record.c !== undefined) times.createdAt = record.c;
      if (record.e !== undefined) times.expiresAt = record.e;
      return { payload: record.d, times, id: token };
    },

    async save(payload, times, ttlSeconds, currentId) {
      const id = currentId ?? newSessionId();
      const record: StoredRecord = { v: 1, n: sessionName, d: payload, c: times.createdAt, e: times.expiresAt };
      await guard('write', () => storage.write(id, JSON.stringify(record), ttlSeconds));
      return { token: id, id };
    },

    async invalidate(id) {
      await guard('invalidate', () => storage.invalidate(id));
    },
  };
}

function parseRecord(text: string): StoredRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const r = parsed as Record<string, unknown>;
  const time = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isSafeInteger(v));
  if (r.v !== 1 || typeof r.n !== 'string' || typeof r.d !== 'string' || !time(r.c) || !time(r.e)) return undefined;
  return r as unknown as StoredRecord;
}
