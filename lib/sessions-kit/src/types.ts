/**
 * The extension points of the pipeline. Every method may return a value or a
 * Promise, so a synchronous store or codec pays for no extra microtask.
 *
 *   transport.receive -> transformers (last to first) -> tracker -> serializer
 */
export type MaybePromise<T> = T | Promise<T>;

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
  write(value: string): MaybePromise<string>;
  read(value: string): MaybePromise<string | undefined>;
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
  writeWithTimes(value: string, times: SessionTimes | undefined): MaybePromise<string>;
  readWithTimes(value: string): MaybePromise<OpenedValue | undefined>;
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
