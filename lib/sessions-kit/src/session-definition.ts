/**
 * What `cookie<T>()` and `header<T>()` return: a description of one session,
 * bound to its name by `defineSessions`.
 */
import type { SessionSerializer, SessionStorage, TransformInput } from './types.ts';

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
}

export type SessionTransportKind = 'cookie' | 'header';

declare const valueType: unique symbol;

export interface SessionDefinition<T> {
  readonly transport: SessionTransportKind;
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
