/**
 * The per-request accessor: one object with the same methods in Route Handlers (`handler`'s
 * `session`), Server Actions and Server Components (`sessions.current()`) and `proxy.ts`
 * (`sessions.forRequest(request)`). Each session gets a slot on first use, so sessions a
 * request never touches cost nothing.
 */
import type { CompiledSession } from '../compile.ts';
import { SessionConfigError } from '../errors.ts';
import { type SessionEventListener, eventOf } from '../events.ts';
import type { SessionTimes } from '../types.ts';
import type { RequestIO } from './io.ts';
import { Slot } from './slot.ts';

/** What `inspect(name)` tells about one session of this request: for inspectors and debugging pages. */
export interface SessionInspection<T> {
  /** The raw value the request carried (cookie or header), or undefined. A credential: never echo it to a page. */
  sent: string | undefined;
  /** What the server reads from it: the data, or undefined for none (or invalid). */
  data: T | undefined;
  /** The deadlines the server enforces (seconds since the epoch), or undefined without a session. */
  times: SessionTimes | undefined;
}

/** One of a user's sessions, as `list` and `forOwner(…).list()` show it. */
export interface SessionInfo<T> {
  /** Stable, not a credential: safe to show and to put in a URL; never the id, nor derivable into it. */
  handle: string;
  /** The session of this request (always false from `forOwner`). */
  current: boolean;
  /** When it was first created (kept across `regenerate`). */
  createdAt: Date;
  /** Its last write or renewal (not every read). */
  lastSeenAt: Date;
  expiresAt?: Date;
  /** The session data, so the app can show the device label it stored at login. */
  data: T;
}

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
   * Without a session, `fn(undefined)` starts one under a new id.
   *
   * By value it is `get` + `set` within this request: client-held data cannot be updated
   * atomically across requests.
   */
  update<K extends keyof Data>(name: K, fn: (current: Data[K] | undefined) => Data[K] | Promise<Data[K]>): Promise<Data[K]>;
  /** By-id sessions: the current id, or undefined. */
  id<K extends keyof Data>(name: K): Promise<string | undefined>;
  /**
   * By-id sessions: moves the data to a new id and kills the old one. Call it after login.
   * Data another request wrote meanwhile moves along; if the session was cleared meanwhile it
   * throws SessionConflictError and leaves no new id behind.
   */
  regenerate<K extends keyof Data>(name: K): Promise<void>;
  /**
   * By-id sessions with an `owner`: the live sessions of this request's owner, most recently seen
   * first, `current` marking this one; [] without a session. Entries whose session ended are pruned.
   */
  list<K extends keyof Data>(name: K): Promise<SessionInfo<Data[K]>[]>;
  /**
   * Ends one of the same owner's sessions (`handle` from `list`): false when there is no such
   * session of this owner. Once it returns, that session is dead for every request, in flight or not.
   */
  revoke<K extends keyof Data>(name: K, handle: string): Promise<boolean>;
  /** "Sign out everywhere else": ends every session of this owner but this one; how many ended. */
  revokeOthers<K extends keyof Data>(name: K): Promise<number>;
  /** What the request carried for session `name`, what the server reads from it, and the deadlines it enforces. */
  inspect<K extends keyof Data>(name: K): Promise<SessionInspection<Data[K]>>;
  /**
   * Web requests (`handler`, `forRequest`): adds what this request's sessions need to `response`:
   * Set-Cookie and session headers, and, when a session was read or written,
   * `Cache-Control: private, no-store` and `Vary`. Returns the same response, or a copy when its
   * headers are immutable. With `sessions.current()` cookies go through `next/headers` and the
   * response is returned unchanged.
   */
  applyTo(response: Response): Response;
}

// Every method goes through `run`: misuse (an unknown name) rejects rather than throwing
// synchronously, and the errors the app should hear about become events.
export class Accessor<Data> implements SessionAccessor<Data> {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly compiled: ReadonlyMap<string, CompiledSession>,
    readonly io: RequestIO,
    private readonly emit: SessionEventListener,
  ) {}

  get<K extends keyof Data>(name: K): Promise<Data[K] | undefined> {
    return this.run(name, (slot) => slot.get()) as Promise<Data[K] | undefined>;
  }

  set<K extends keyof Data>(name: K, value: Data[K]): Promise<void> {
    return this.run(name, (slot) => slot.set(value));
  }

  clear<K extends keyof Data>(name: K): Promise<void> {
    return this.run(name, (slot) => slot.clear());
  }

  async getOrSet<K extends keyof Data>(name: K, create: () => Data[K] | Promise<Data[K]>): Promise<Data[K]> {
    const current = await this.get(name);
    if (current !== undefined) return current;
    const value = await create();
    await this.set(name, value);
    return value;
  }

  update<K extends keyof Data>(name: K, fn: (current: Data[K] | undefined) => Data[K] | Promise<Data[K]>): Promise<Data[K]> {
    return this.run(name, (slot) => slot.update(fn as (current: unknown) => unknown)) as Promise<Data[K]>;
  }

  id<K extends keyof Data>(name: K): Promise<string | undefined> {
    return this.run(name, (slot) => slot.id());
  }

  regenerate<K extends keyof Data>(name: K): Promise<void> {
    return this.run(name, (slot) => slot.regenerate());
  }

  list<K extends keyof Data>(name: K): Promise<SessionInfo<Data[K]>[]> {
    return this.run(name, (slot) => slot.list()) as Promise<SessionInfo<Data[K]>[]>;
  }

  async revoke<K extends keyof Data>(name: K, handle: string): Promise<boolean> {
    return (await this.revoked(name, 'one', (slot) => slot.revoke(String(handle)))) > 0;
  }

  revokeOthers<K extends keyof Data>(name: K): Promise<number> {
    return this.revoked(name, 'others', (slot) => slot.revoke(undefined));
  }

  inspect<K extends keyof Data>(name: K): Promise<SessionInspection<Data[K]>> {
    return this.run(name, (slot) => slot.inspect()) as Promise<SessionInspection<Data[K]>>;
  }

  applyTo(response: Response): Response {
    return this.io.applyTo(response);
  }

  private async revoked(name: keyof Data, scope: 'one' | 'others', op: (slot: Slot) => Promise<number>): Promise<number> {
    const count = await this.run(name, op);
    if (count > 0) this.emit({ type: 'revoked', session: name as string, scope, count });
    return count;
  }

  // Not async: `op` (a Slot method, itself async) is the only promise in between (one of the promise cuts in transform/chain.ts).
  private run<R>(name: keyof Data, op: (slot: Slot) => Promise<R>): Promise<R> {
    const key = name as string;
    let slot = this.slots.get(key);
    if (!slot) {
      const session = this.compiled.get(key);
      if (!session) {
        return Promise.reject(
          new SessionConfigError(`Unknown session ${JSON.stringify(key)}. Defined: ${[...this.compiled.keys()].join(', ') || 'none'}.`),
        );
      }
      slot = new Slot(session, this.io);
      this.slots.set(key, slot);
    }
    return op(slot).catch((error: unknown) => {
      const event = eventOf(key, error);
      if (event) this.emit(event);
      throw error;
    });
  }
}
