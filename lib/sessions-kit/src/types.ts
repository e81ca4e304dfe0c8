/**
 * The extension points of the pipeline and the shape of a session definition.
 *
 *   transport (cookie or header) -> transformers (last to first) -> tracker (by value or by id) -> serializer
 */

/**
 * Where by-id sessions keep their payload: four operations, all required, all asynchronous.
 * Keys are a one-way hash of the session id (never the id itself); values are opaque strings.
 * Storages do not parse, re-hash or re-validate them. `create` and `compareAndSet` are what make
 * `update()`, `regenerate()`, renewals and revocations safe when requests race: implement them
 * with the store's own conditional write (SET NX and a Lua script, INSERT … ON CONFLICT, a lock).
 */
export interface SessionStorage {
  /** The stored value, or `undefined` when there is no such (live) record. */
  read(key: string): Promise<string | undefined>;
  /** Stores `value` only if no live record exists under `key`; true when stored. Expires after `ttlSeconds` when given. */
  create(key: string, value: string, ttlSeconds?: number): Promise<boolean>;
  /**
   * If the live record under `key` is exactly `expected`, replaces it with `next` (deletes it when
   * `next` is undefined) and returns true; otherwise changes nothing and returns false.
   */
  compareAndSet(key: string, expected: string, next: string | undefined, ttlSeconds?: number): Promise<boolean>;
  /** Forgets `key`. An unknown key is a no-op. */
  invalidate(key: string): Promise<void>;
}

/** Turns session data into a string and back. Throwing from `deserialize` means "no session". */
export interface SessionSerializer<T> {
  serialize(value: T): string;
  /** May return a Promise (an asynchronous schema check, for instance). */
  deserialize(text: string): T | Promise<T>;
}

/**
 * Protects or re-encodes the string that travels to the client (sign, encrypt…).
 * `read` returns `undefined` for anything it rejects; it should not throw on bad input.
 */
export interface SessionTransformer {
  write(value: string): Promise<string>;
  read(value: string): Promise<string | undefined>;
}

/** Expiry metadata carried inside our own protected formats (and in stored records). */
export interface SessionTimes {
  /** When the session was first created (seconds since the epoch). */
  createdAt?: number;
  /** When this value stops being accepted (seconds since the epoch); absent: no server-side expiry. */
  expiresAt?: number;
}

export interface OpenedValue {
  value: string;
  times?: SessionTimes;
  /** Opened with an old key: the caller re-issues it with the current one. */
  stale?: boolean;
}

/**
 * A transformer whose own format can carry expiry metadata inside the protected
 * value (our `encrypted` and `signed`). Plain transformers never see it.
 */
export interface ExpiryCarryingTransformer extends SessionTransformer {
  writeWithTimes(value: string, times: SessionTimes | undefined): Promise<string>;
  readWithTimes(value: string): Promise<OpenedValue | undefined>;
}

export function carriesExpiry(t: SessionTransformer): t is ExpiryCarryingTransformer {
  return typeof (t as Partial<ExpiryCarryingTransformer>).writeWithTimes === 'function';
}

/**
 * A built-in transformer before it knows which session it protects: keys are
 * derived per session (the wire name is the HKDF salt), so `defineSessions`
 * binds it. Call `forSession(wireName)` to use one on its own.
 */
export interface SessionTransformerFactory {
  forSession(wireName: string): ExpiryCarryingTransformer;
}

export type TransformInput = SessionTransformer | SessionTransformerFactory;

export function isTransformerFactory(t: TransformInput): t is SessionTransformerFactory {
  return typeof (t as Partial<SessionTransformerFactory>).forSession === 'function';
}

export interface SessionBehaviour<T> {
  /** One transformer or several: applied in order on write, in reverse on read. */
  transform?: TransformInput | readonly TransformInput[];
  /** Keep the payload on the server; the client then holds only an id. */
  storage?: SessionStorage;
  /** Defaults to `jsonSerializer<T>()`. */
  serializer?: SessionSerializer<T>;
  /**
   * Re-issue the session (new expiry) when it is used, at most once a minute.
   * Defaults to true when `idleTimeout` is set, false otherwise.
   */
  rolling?: boolean;
  /** Seconds without use after which the session ends (enforced on the server). */
  idleTimeout?: number;
  /** Seconds after creation after which the session ends, however active (enforced on the server). */
  absoluteTimeout?: number;
  /**
   * Whose session this is: the user id in the data, or undefined for nobody's. Enables `list`,
   * `revoke` and `revokeOthers` in a request and `sessions.forOwner(name, owner)` anywhere. By id,
   * each owner's sessions are indexed in the session's storage; by value, only `revokeAll` works,
   * and it needs `revocations`.
   */
  owner?(data: T): string | undefined;
  /**
   * By-value sessions with an `owner`: where the time of each owner's last `revokeAll` is kept.
   * Values created before it read as no session. Costs one read of this storage per request.
   */
  revocations?: SessionStorage;
}

declare const valueType: unique symbol;

export interface SessionDefinition<T> {
  readonly transport: 'cookie' | 'header';
  readonly options: SessionBehaviour<T>;
  /** Carries `T` for type inference only; never set at run time. */
  readonly [valueType]?: T;
}

/** Any session definition, whatever its data type. */
export type AnySessionDefinition = SessionDefinition<unknown>;

/** The data type of a session definition. */
export type SessionValue<D> = D extends SessionDefinition<infer T> ? T : never;

/** Maps `{ name: cookie<T>() }` to `{ name: T }`. */
export type SessionData<Defs extends Record<string, AnySessionDefinition>> = {
  [K in keyof Defs]: SessionValue<Defs[K]>;
};
