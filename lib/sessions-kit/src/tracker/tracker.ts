/**
 * The tracker decides where the payload lives: in the value the client holds
 * (by value) or in server storage behind an id (by id).
 */
import type { SessionTimes } from '../types.ts';

export interface TrackedSession {
  payload: string;
  times?: SessionTimes;
  /** By id: the id, trusted because storage knew it. */
  id?: string;
  /** By id: the record as loaded, the expected value of this request's conditional writes. */
  loaded?: LoadedSession;
}

/** One by-id session as a request last saw it in storage. */
export interface LoadedSession {
  readonly id: string;
  /** The storage key: a one-way hash of the id (see storage-key.ts). */
  readonly key: string;
  readonly payload: string;
  readonly times: SessionTimes;
  /** The exact stored string; every compare-and-set from this request expects it. */
  readonly record: string;
}

/** What to store. Built from the live record on every attempt, so retries see the latest data. */
export interface Draft {
  payload: string;
  times: SessionTimes;
  ttlSeconds: number | undefined;
}

interface TrackerBase {
  /** From the opened client value to the payload; undefined: no such session. */
  load(token: string, times: SessionTimes | undefined): Promise<TrackedSession | undefined> | TrackedSession | undefined;
  /** Forgets the session (by value: nothing to forget). Unconditional: it wins every race. */
  invalidate(id: string): Promise<void>;
}

export interface ByValueTracker extends TrackerBase {
  readonly byId: false;
}

/**
 * By id. Every operation that touches an existing record is conditional on the exact record
 * this request loaded, so a session cleared or regenerated elsewhere is never written back.
 */
export interface ByIdTracker extends TrackerBase {
  readonly byId: true;
  /** The storage has `create` and `compareAndSet`; `update` needs them. */
  readonly conditional: boolean;
  /** The live session behind `id`, or undefined (malformed id, unknown, corrupt, another session's, expired). */
  loadById(id: string): Promise<LoadedSession | undefined>;
  /** Stores a new session under a fresh id, created only if absent. */
  create(draft: Draft): Promise<LoadedSession>;
  /**
   * Replaces the live record (the last writer wins over other writes), retrying while others
   * change it. Throws SessionConflictError when the session vanished: it is never re-created.
   */
  replace(loaded: LoadedSession, draft: (live: LoadedSession) => Draft): Promise<LoadedSession>;
  /**
   * Atomic read-modify-write: `modify` gets the live record and its result is stored only if the
   * record is still that one; else it re-reads and calls `modify` again (bounded, with jitter).
   * Throws SessionConflictError when retries run out or the session vanished, and
   * SessionUnsupportedError on a storage without conditional writes. Without a loaded session
   * (`undefined`), `modify(undefined)` is stored as a new session under a fresh id.
   */
  update(
    loaded: LoadedSession | undefined,
    modify: (live: LoadedSession | undefined) => Draft | Promise<Draft>,
  ): Promise<LoadedSession>;
  /** Compare-and-set renewal: the new record, or undefined when skipped (changed or gone meanwhile). */
  renew(loaded: LoadedSession, draft: Draft): Promise<LoadedSession | undefined>;
  /**
   * Moves the session to a new id: creates the new record, then deletes the old one only if it is
   * still the record the data came from (else carries the newer data and tries again). Throws
   * SessionConflictError (and leaves no new record) when the session vanished meanwhile.
   */
  regenerate(loaded: LoadedSession, draft: (live: LoadedSession) => Draft): Promise<LoadedSession>;
}

export type SessionTracker = ByValueTracker | ByIdTracker;
