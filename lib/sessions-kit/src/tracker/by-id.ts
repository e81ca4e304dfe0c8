/**
 * By id: the client holds only an id; the payload and its deadlines live in storage as a small
 * JSON record (record.ts) under a one-way hash of the id. Deadlines in the record are checked on
 * every read, so an expired session is dead before any sweep removes it.
 *
 * Races: new ids are created only if absent, and every write to an existing record is a
 * compare-and-set against the exact record this request loaded. A session that was cleared,
 * regenerated or revoked elsewhere is therefore never written back.
 *
 * Owners: a record may name its owner (the user id the definition's `owner` read from the data);
 * the owner's index (owners.ts) then lists it. The record is the truth and the index a hint:
 * entries are added before a request can reach a record that names the owner (a new record's id is
 * sent only once both are stored) and removed after, and `list` checks each.
 */
import { SessionConflictError, SessionStorageError } from '../errors.ts';
import { nowSeconds } from '../internal/platform.ts';
import type { SessionStorage, SessionTimes } from '../types.ts';
import { inTurn, retrying, settledInTime, storageGuard, together } from './contention.ts';
import { type OwnerIndex, ownerIndex } from './owners.ts';
import { bounded, encodeRecord, handleOf, isSessionId, newSessionId, parseRecord, storageKey } from './record.ts';

/** One by-id session as a request last saw it in storage. */
export interface LoadedSession {
  /** The id (undefined for a record reached through its owner's index: its id is never known). */
  readonly id: string;
  /** The storage key: a one-way hash of the id. */
  readonly key: string;
  readonly payload: string;
  readonly times: SessionTimes;
  readonly owner?: string;
  /** When the record was last written (seconds since the epoch). */
  readonly seen: number;
  /** The exact stored string; every compare-and-set from this request expects it. */
  readonly record: string;
}

/** What to store. Built from the live record on every attempt, so retries see the latest data. */
export interface Draft {
  payload: string;
  times: SessionTimes;
  ttlSeconds: number | undefined;
  owner?: string;
}

/** One of an owner's live sessions, as `list` finds it. */
export interface OwnedSession {
  key: string;
  handle: string;
  payload: string;
  times: SessionTimes;
  seen: number;
}

export type ByIdTracker = ReturnType<typeof byIdTracker>;

/** Attempts of a batch of writes together before each tries alone (writeTogether). */
const TOGETHER_ATTEMPTS = 3;

/** A fresh 256-bit id is taken only if the random source is broken; a few tries tell the two apart. */
const CREATE_ATTEMPTS = 4;

export function byIdTracker(storage: SessionStorage, sessionName: string) {
  const guard = storageGuard(sessionName);
  const owners: OwnerIndex = ownerIndex(storage, sessionName, guard);

  // Parsed records by their exact text (times frozen: shared); micro-benchmark: tracker list() of 10 sessions 17 → 6 µs.
  const parse = bounded(1_000, (stored: string) => {
    const record = parseRecord(stored, sessionName);
    if (record) Object.freeze(record.times);
    return record;
  });

  /** The live session under `key`; undefined when gone, corrupt, another session's or past its own deadline. */
  const readLive = async (id: string, key: string): Promise<LoadedSession | undefined> => {
    const stored = await guard('read', () => storage.read(key));
    const record = stored === undefined ? undefined : parse(stored);
    // A deadline the record carries always holds, whatever the storage's own TTL says.
    if (!record || (record.times.expiresAt !== undefined && record.times.expiresAt <= nowSeconds())) return undefined;
    return { id, key, ...record, record: stored as string };
  };

  /** Whether the record under `key` is live and still names `owner`. */
  const ownedBy = (owner: string) => async (key: string) => (await readLive('', key))?.owner === owner;

  const vanished = (what: string) =>
    new SessionConflictError(`Session "${sessionName}" was cleared, regenerated or revoked by another request while this one was using it; ${what}.`);

  const compareAndSet = (key: string, expected: string, next: string | undefined, ttl: number | undefined) =>
    guard('write', () => storage.compareAndSet(key, expected, next, ttl));

  /** Writes `draft` over the exact record `live`; true when stored. A new owner's index learns the key first. */
  const swap = async (live: LoadedSession, draft: Draft): Promise<LoadedSession | undefined> => {
    if (draft.owner !== undefined && draft.owner !== live.owner) await owners.add(draft.owner, live.key, ownedBy(draft.owner));
    const record = encodeRecord(sessionName, draft);
    if (!(await compareAndSet(live.key, live.record, record, draft.ttlSeconds))) return undefined;
    if (live.owner !== undefined && live.owner !== draft.owner) await owners.remove(live.owner, [live.key]);
    return { id: live.id, key: live.key, payload: draft.payload, times: draft.times, owner: draft.owner, seen: nowSeconds(), record };
  };

  /** A replace or update waiting for its turn; `produce` builds what to store from the live record. */
  interface Write {
    loaded: LoadedSession;
    produce: (live: LoadedSession) => Draft | Promise<Draft>;
    what: string;
    resolve: (saved: LoadedSession) => void;
    reject: (error: unknown) => void;
  }

  /**
   * The compare-and-set loop behind replace and update: `produce` sees the live record, its
   * result is stored only over that exact record, otherwise re-read and try again. The writes
   * that wait for the same record's turn go together (writeTogether).
   */
  const casLoop = (loaded: LoadedSession, produce: Write['produce'], what: string) =>
    new Promise<LoadedSession>((resolve, reject) => {
      together(storage, loaded.key, { loaded, produce, what, resolve, reject }, (writes, waited) =>
        writes.length === 1 ? writeAlone(writes[0] as Write, waited) : writeTogether(writes),
      );
    });

  /** One write in its own turn: read (after a wait), produce, compare-and-set, retried. */
  const writeAlone = async ({ loaded, produce, what, resolve, reject }: Write, waited: boolean): Promise<void> => {
    try {
      // After waiting for this process's previous writer, the loaded record is likely stale:
      // read first rather than spend a compare-and-set on it.
      let live = waited ? await readLive(loaded.id, loaded.key) : loaded;
      resolve(
        await retrying(`Session "${sessionName}" (${what})`, async (attempt) => {
          if (attempt > 1) live = await readLive(loaded.id, loaded.key);
          if (!live) throw vanished(`${what} would have brought it back`);
          return swap(live, await produce(live));
        }),
      );
    } catch (error) {
      reject(error);
    }
  };

  /** Each of `writes` in a turn of its own, as if it had come alone (not awaited: they queue behind this turn). */
  const eachAlone = (writes: readonly Write[]) => {
    for (const write of writes) void inTurn(storage, write.loaded.key, (waited) => writeAlone(write, waited));
  };

  /**
   * The writes that waited together for one record, stored with one compare-and-set: each
   * `produce` sees the result of the one before, as if they ran one after another, and each
   * caller gets its own result. A result that was not the last carries a record that was never
   * stored, so a later conditional write from that request re-reads first. A `produce` that
   * throws fails only its own write. Whatever could make one write hold up or fail the others
   * sends writes each on its own, as if they had come alone: a `produce` slower than a turn's
   * bound goes after the batch (it may be waiting for another write of it), and a batch whose
   * compare-and-set lost TOGETHER_ATTEMPTS times (one of its writes may be writing the record
   * itself) sends each write to try again alone.
   * (`npm run test:load`, 200 clients in bursts of 10 updates of one basket, against one read and
   * compare-and-set per update in turn: Redis p99 3.4 → 2.7 s; directory 742 answers 503, locks
   * held past their bound, → none. Sending a lost batch alone at once, without the attempts
   * together, brought back 12–16 answers 503 on the directory.)
   */
  const writeTogether = async (writes: Write[]): Promise<void> => {
    const { loaded, what } = writes[0] as Write;
    const alone: Write[] = [];
    let batch = writes;
    for (let attempt = 1; batch.length > 0; attempt++) {
      if (attempt > TOGETHER_ATTEMPTS) {
        alone.unshift(...batch);
        break;
      }
      let live: LoadedSession | undefined;
      try {
        live = await readLive(loaded.id, loaded.key);
        if (!live) throw vanished(`${what} would have brought it back`);
      } catch (error) {
        for (const write of batch) write.reject(error);
        break;
      }
      const done: { write: Write; result: LoadedSession }[] = [];
      let current = live;
      let draft: Draft | undefined;
      for (const write of batch) {
        const outcome = await settledInTime(() => write.produce(current));
        if (!outcome) {
          // Too slow to wait for (it may be waiting for another write of this batch): it goes after.
          alone.push(write);
          continue;
        }
        if ('error' in outcome) {
          write.reject(outcome.error);
          continue;
        }
        draft = outcome.value;
        current = { id: live.id, key: live.key, ...draft, seen: nowSeconds(), record: encodeRecord(sessionName, draft) };
        done.push({ write, result: current });
      }
      batch = [];
      try {
        const stored = draft && (await swap(live, draft));
        if (stored) {
          (done.at(-1) as { result: LoadedSession }).result = stored;
          for (const { write, result } of done) write.resolve(result);
        } else batch = done.map(({ write }) => write);
      } catch (error) {
        for (const { write } of done) write.reject(error);
      }
    }
    eachAlone(alone);
  };

  /**
   * Whether a new record was `made`, listing it under `owner` meanwhile. Its id is sent only once
   * both are stored, so no request can reach it before it is listed: the two writes go out
   * together, one round trip instead of two (bench, Redis login with an owner vs without, one
   * run each: 0.55 → 0.58). A record whose entry could not be written is deleted again.
   */
  const listedWith = async (made: Promise<boolean>, owner: string, key: string): Promise<boolean> => {
    const [created, listed] = await Promise.allSettled([made, owners.add(owner, key, ownedBy(owner))]);
    if (listed.status === 'rejected') {
      if (created.status === 'fulfilled' && created.value) await end(undefined, [key]).catch(() => undefined);
      throw listed.reason;
    }
    if (created.status === 'rejected') throw created.reason;
    return created.value;
  };

  /** Ends sessions by key: each record first (then it is dead for every request), then the index entries. */
  const end = async (owner: string | undefined, keys: string[]): Promise<void> => {
    await Promise.all(keys.map((key) => guard('invalidate', () => storage.invalidate(key))));
    if (owner !== undefined && keys.length > 0) await owners.remove(owner, keys);
  };

  const tracker = {
    /** The live session behind `id`, or undefined (malformed id, unknown, corrupt, another session's, expired). */
    async loadById(id: string): Promise<LoadedSession | undefined> {
      // Checked before anything reaches storage: hostile ids never become keys.
      if (!isSessionId(id)) return undefined;
      return readLive(id, await storageKey(id));
    },

    /** Stores a new session under a fresh id, created only if absent (and listed under its owner first). */
    async create(draft: Draft): Promise<LoadedSession> {
      for (let attempt = 1; attempt <= CREATE_ATTEMPTS; attempt++) {
        const id = newSessionId();
        const key = await storageKey(id);
        const record = encodeRecord(sessionName, draft);
        const made = guard('write', () => storage.create(key, record, draft.ttlSeconds));
        if (draft.owner === undefined ? await made : await listedWith(made, draft.owner, key)) {
          return { id, key, payload: draft.payload, times: draft.times, owner: draft.owner, seen: nowSeconds(), record };
        }
      }
      throw new SessionStorageError(`Session storage reported ${CREATE_ATTEMPTS} fresh random ids for "${sessionName}" as taken; its create() is broken.`);
    },

    /**
     * Replaces the live record (the last writer wins over other writes), retrying while others
     * change it. Throws SessionConflictError when the session vanished: it is never re-created.
     */
    replace(loaded: LoadedSession, draft: (live: LoadedSession) => Draft): Promise<LoadedSession> {
      return casLoop(loaded, draft, 'set()');
    },

    /**
     * Atomic read-modify-write: `modify` gets the live record and its result is stored only if the
     * record is still that one; else it re-reads and calls `modify` again (bounded, with jitter).
     * Without a loaded session, `modify(undefined)` is stored as a new session under a fresh id.
     */
    async update(loaded: LoadedSession | undefined, modify: (live: LoadedSession | undefined) => Draft | Promise<Draft>): Promise<LoadedSession> {
      if (!loaded) return tracker.create(await modify(undefined));
      return casLoop(loaded, modify, 'update()');
    },

    /** Compare-and-set renewal: the new record, or undefined when skipped (changed or gone meanwhile). */
    renew(loaded: LoadedSession, draft: Draft): Promise<LoadedSession | undefined> {
      return swap(loaded, draft);
    },

    /**
     * Moves the session to a new id: creates the new record, then deletes the old one only if it is
     * still the record the data came from (else carries the newer data and tries again). Throws
     * SessionConflictError (and leaves no new record) when the session vanished meanwhile.
     */
    regenerate(loaded: LoadedSession, draft: (live: LoadedSession) => Draft): Promise<LoadedSession> {
      return inTurn(storage, loaded.key, async (waited) => {
        let live = waited ? await readLive(loaded.id, loaded.key) : loaded;
        if (!live) throw vanished('regenerate() did not move it');
        const moved = live;
        const fresh = await tracker.create(draft(moved));
        try {
          // The old id dies only if it still holds the data that was moved.
          await retrying(`Session "${sessionName}" (regenerate())`, async (attempt) => {
            if (attempt > 1) live = await readLive(loaded.id, loaded.key);
            if (!live) throw vanished('regenerate() did not move it');
            return (await compareAndSet(live.key, live.record, undefined, undefined)) || undefined;
          });
          if (moved.owner !== undefined) await owners.remove(moved.owner, [moved.key]);
          if (live === moved) return fresh;
          // Another request changed the session before the move: the new id carries its newer data.
          // Only this request knows the new id, so its record cannot have changed meanwhile.
          const carried = await swap(fresh, draft(live as LoadedSession));
          if (!carried) throw new SessionStorageError(`Session storage lost the new record of "${sessionName}" during regenerate().`);
          return carried;
        } catch (error) {
          // The moved copy must not outlive the session it came from. Its id was never sent, so if
          // even this fails the record is unreachable and only waits for its TTL.
          await end(fresh.owner, [fresh.key]).catch(() => undefined);
          throw error;
        }
      });
    },

    /** Forgets the session. Unconditional: it wins every race. */
    invalidate(loaded: LoadedSession): Promise<void> {
      return end(loaded.owner, [loaded.key]);
    },

    /** The owner's live sessions; entries whose record is gone, expired or now someone else's are pruned. */
    async list(owner: string): Promise<OwnedSession[]> {
      const keys = await owners.keys(owner);
      const [found, handles] = await Promise.all([Promise.all(keys.map((key) => readLive('', key))), Promise.all(keys.map(handleOf))]);
      const live: OwnedSession[] = [];
      const dead: string[] = [];
      for (const [i, session] of found.entries()) {
        if (session?.owner !== owner) dead.push(keys[i] as string);
        else live.push({ key: session.key, handle: handles[i] as string, payload: session.payload, times: session.times, seen: session.seen });
      }
      if (dead.length > 0) await owners.remove(owner, [], dead);
      return live;
    },

    /**
     * Ends the owner's sessions whose handle is `handle` (or, without one, all but `except`).
     * Returns how many were live. Once this returns they are dead for every request, in flight or not.
     */
    async revoke(owner: string, handle: string | undefined, except?: string): Promise<number> {
      const listed = (await owners.keys(owner)).filter((key) => key !== except);
      const handles = handle === undefined ? [] : await Promise.all(listed.map(handleOf));
      const keys = handle === undefined ? listed : listed.filter((_, i) => handles[i] === handle);
      const found = await Promise.all(keys.map((key) => readLive('', key)));
      // Only records that still name this owner end, and only their entries go outright. An entry
      // without such a record may be a login in flight (entry and record written together): it
      // stays while young, so that session is listed (and revocable) once its record lands.
      const mine = keys.filter((_, i) => found[i]?.owner === owner);
      await Promise.all(mine.map((key) => guard('invalidate', () => storage.invalidate(key))));
      if (keys.length > 0) await owners.remove(owner, mine, keys.filter((_, i) => found[i]?.owner !== owner));
      return mine.length;
    },
  };
  return tracker;
}
