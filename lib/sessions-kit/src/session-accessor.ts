/**
 * The per-request accessor: one object with the same methods in Route
 * Handlers, Server Actions, Server Components and `proxy.ts`.
 */
import type { CompiledSession } from './compile-session.ts';
import { SessionConfigError } from './errors.ts';
import type { SessionIO } from './session-io.ts';
import { SessionSlot } from './session-slot.ts';
import type { SessionTimes } from './types.ts';

export interface SessionAccessor<Data> {
  /** The session's data, or undefined when there is none (or what the client sent was invalid). */
  get<K extends keyof Data>(name: K): Promise<Data[K] | undefined>;
  /**
   * Serializes, stores and protects at once: a too-large value or a storage fault rejects here.
   * By id it replaces the live record, and throws SessionConflictError rather than bring back a
   * session that another request cleared or regenerated since this one loaded it.
   */
  set<K extends keyof Data>(name: K, value: Data[K]): Promise<void>;
  /** Ends the session: forgets it in storage (by id; the id is then dead for every request) and tells the client to drop it. */
  clear<K extends keyof Data>(name: K): Promise<void>;
  /** The current data, or `create()`'s result, stored. */
  getOrSet<K extends keyof Data>(name: K, create: () => Data[K] | Promise<Data[K]>): Promise<Data[K]>;
  /**
   * Read-modify-write: `fn` gets the current data (or undefined) and its result is stored.
   *
   * By id it is atomic across requests: the result is stored only if nobody changed the record
   * meanwhile, otherwise `fn` runs again on the newer data (so keep `fn` free of side effects).
   * After a few lost races, or when the session was cleared or regenerated while this request held
   * it, it throws SessionConflictError (`handler` answers 409); it never restarts a vanished session.
   * Without a session, `fn(undefined)` starts one under a new id. It needs a storage with
   * `create` and `compareAndSet` (every built-in one), else it throws SessionUnsupportedError.
   *
   * By value it is `get` + `set` within this request: client-held data cannot be updated
   * atomically across requests.
   */
  update<K extends keyof Data>(name: K, fn: (current: Data[K] | undefined) => Data[K] | Promise<Data[K]>): Promise<Data[K]>;
  /** By-id sessions: the current id, or undefined. */
  id<K extends keyof Data>(name: K): Promise<string | undefined>;
  /**
   * The deadlines the server enforces for the current session (seconds since the epoch; from the
   * stored record by id, from the protected value by value), or undefined without a session.
   */
  times<K extends keyof Data>(name: K): Promise<SessionTimes | undefined>;
  /**
   * By-id sessions: moves the data to a new id and kills the old one. Call it after login.
   * Data another request wrote meanwhile moves along; if the session was cleared meanwhile it
   * throws SessionConflictError and leaves no new id behind.
   */
  regenerate<K extends keyof Data>(name: K): Promise<void>;
}

// Methods are async so that misuse (an unknown name) rejects rather than throwing synchronously.
export class SessionAccessorImpl<Data> implements SessionAccessor<Data> {
  private readonly slots = new Map<string, SessionSlot>();

  constructor(
    private readonly compiled: ReadonlyMap<string, CompiledSession>,
    private readonly io: SessionIO,
  ) {}

  async get<K extends keyof Data>(name: K): Promise<Data[K] | undefined> {
    return (await this.slot(name).get()) as Data[K] | undefined;
  }

  async set<K extends keyof Data>(name: K, value: Data[K]): Promise<void> {
    return this.slot(name).set(value);
  }

  async clear<K extends keyof Data>(name: K): Promise<void> {
    return this.slot(name).clear();
  }

  async getOrSet<K extends keyof Data>(name: K, create: () => Data[K] | Promise<Data[K]>): Promise<Data[K]> {
    const current = await this.get(name);
    if (current !== undefined) return current;
    const value = await create();
    await this.set(name, value);
    return value;
  }

  async update<K extends keyof Data>(
    name: K,
    fn: (current: Data[K] | undefined) => Data[K] | Promise<Data[K]>,
  ): Promise<Data[K]> {
    return (await this.slot(name).update(fn as (current: unknown) => unknown)) as Data[K];
  }

  async id<K extends keyof Data>(name: K): Promise<string | undefined> {
    return this.slot(name).getId();
  }

  async times<K extends keyof Data>(name: K): Promise<SessionTimes | undefined> {
    return this.slot(name).getTimes();
  }

  async regenerate<K extends keyof Data>(name: K): Promise<void> {
    return this.slot(name).regenerate();
  }

  private slot(name: keyof Data): SessionSlot {
    const key = name as string;
    let slot = this.slots.get(key);
    if (!slot) {
      const session = this.compiled.get(key);
      if (!session) {
        throw new SessionConfigError(
          `Unknown session ${JSON.stringify(key)}. Defined: ${[...this.compiled.keys()].join(', ') || 'none'}.`,
        );
      }
      slot = new SessionSlot(session, this.io);
      this.slots.set(key, slot);
    }
    return slot;
  }
}
