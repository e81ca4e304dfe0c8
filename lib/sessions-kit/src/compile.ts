/** One session definition compiled for use: every stage resolved and checked at definition time. */
import { checkSeconds } from './checks.ts';
import { SessionConfigError } from './errors.ts';
import { ExpiryPolicy } from './expiry.ts';
import { jsonSerializer } from './serializer/json.ts';
import { type TransformChain, transformChain } from './transform/chain.ts';
import { type ByIdTracker, byIdTracker } from './tracker/by-id.ts';
import { type Revocations, revocations } from './tracker/revocations.ts';
import { type CookieSessionOptions, DEFAULT_MAX_AGE, type ResolvedCookie, resolveCookie } from './transport/cookie.ts';
import { type HeaderSessionOptions, resolveHeader } from './transport/header.ts';
import type { AnySessionDefinition, SessionSerializer } from './types.ts';

export interface CompiledSession {
  readonly name: string;
  /** The cookie or header name on the wire. */
  readonly wireName: string;
  /** Cookie sessions: the resolved attributes; undefined for header sessions. */
  readonly cookie: ResolvedCookie | undefined;
  /** A cookie session that cross-site state-changing requests may neither use nor write. */
  readonly guarded: boolean;
  readonly chain: TransformChain;
  /** By id: the tracker over the session's storage; undefined when the client holds the value. */
  readonly tracker: ByIdTracker | undefined;
  readonly serializer: SessionSerializer<unknown>;
  readonly expiry: ExpiryPolicy;
  /** Deadlines are checked only where the client cannot forge them: by id, or inside our own formats. */
  readonly enforcesExpiry: boolean;
  /** The lifetime options as resolved (for `describe`). */
  readonly lifetime: SessionLifetime;
  /** Whose session a value is (the definition's `owner`). */
  readonly owner: ((data: unknown) => string | undefined) | undefined;
  /** By value with an owner: the time of each owner's last `revokeAll`. */
  readonly revocations: Revocations | undefined;
}

export interface SessionLifetime {
  /** Seconds from the last write; null: none (a browser-session cookie, or a header without maxAge). */
  maxAge: number | null;
  idleTimeout?: number;
  absoluteTimeout?: number;
  rolling: boolean;
}

export function compileSession(name: string, definition: AnySessionDefinition): CompiledSession {
  const { transport } = definition ?? {};
  if (transport !== 'cookie' && transport !== 'header') {
    throw new SessionConfigError(`Session "${name}" must be defined with cookie<T>() or header<T>().`);
  }
  const options = (definition.options ?? {}) as CookieSessionOptions<unknown> & HeaderSessionOptions<unknown>;
  checkSeconds(`Session "${name}": idleTimeout`, options.idleTimeout);
  checkSeconds(`Session "${name}": absoluteTimeout`, options.absoluteTimeout);
  const cookie = transport === 'cookie' ? resolveCookie(name, options.cookie) : undefined;
  const { name: wireName, maxAge } = cookie ?? resolveHeader(name, options);

  const chain = transformChain(options.transform, wireName);
  const tracker = options.storage ? byIdTracker(options.storage, name) : undefined;
  // A by-id session with a browser-session cookie and no timeouts would live in storage forever:
  // give its record the default lifetime, renewed as it is used.
  const unbounded = tracker && maxAge === null && options.idleTimeout === undefined && options.absoluteTimeout === undefined;
  const expiry = new ExpiryPolicy({
    maxAge,
    idleTimeout: unbounded ? DEFAULT_MAX_AGE : options.idleTimeout,
    absoluteTimeout: options.absoluteTimeout,
    rolling: options.rolling,
  });
  const enforcesExpiry = tracker !== undefined || chain.protectsExpiry;
  if (!enforcesExpiry && (options.idleTimeout !== undefined || options.absoluteTimeout !== undefined)) {
    throw new SessionConfigError(
      `Session "${name}": idleTimeout and absoluteTimeout need a place the client cannot edit. ` +
        'Add transform: encrypted({ secret }) or signed({ secret }), or keep the session on the server with `storage`.',
    );
  }
  const { owner } = options;
  if (owner !== undefined && typeof owner !== 'function') throw new SessionConfigError(`Session "${name}": owner must be a function (data) => string | undefined.`);
  if (options.revocations && (tracker || !owner)) {
    throw new SessionConfigError(
      `Session "${name}": revocations is for sessions kept by value that have an owner; ${tracker ? 'by id, revocation goes through the session storage itself: remove it' : 'add owner: (data) => data.userId'}.`,
    );
  }
  if (owner && !tracker && !options.revocations) {
    throw new SessionConfigError(
      `Session "${name}": a session kept by value has no server-side list to revoke from. Add revocations: <a storage> to sign its owner out everywhere, or keep it on the server with \`storage\`.`,
    );
  }
  if (options.revocations && !chain.protectsExpiry) {
    throw new SessionConfigError(`Session "${name}": revocations compare the creation time inside the value: add transform: encrypted({ secret }) or signed({ secret }).`);
  }
  const longest = options.absoluteTimeout ?? (expiry.rolling ? undefined : (maxAge ?? undefined));
  return {
    name,
    owner,
    revocations: options.revocations && revocations(options.revocations, name, longest),
    wireName,
    cookie,
    guarded: cookie !== undefined && options.allowCrossSite !== true,
    chain,
    tracker,
    serializer: options.serializer ?? jsonSerializer<unknown>(),
    expiry,
    enforcesExpiry,
    lifetime: { maxAge, idleTimeout: options.idleTimeout, absoluteTimeout: options.absoluteTimeout, rolling: expiry.rolling },
  };
}
