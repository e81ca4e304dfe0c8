/** One session definition compiled for use: every stage resolved and checked at definition time. */
import { SessionConfigError } from './errors.ts';
import { ExpiryPolicy } from './expiry.ts';
import { checkSeconds } from './limits.ts';
import { jsonSerializer } from './serializer/json.ts';
import type { AnySessionDefinition, SessionBehaviour } from './session-definition.ts';
import type { WritableSession } from './session-io.ts';
import { type TransformChain, transformChain } from './transform/chain.ts';
import { byIdTracker } from './tracker/by-id.ts';
import { byValueTracker } from './tracker/by-value.ts';
import type { SessionTracker } from './tracker/tracker.ts';
import { CookieTransport, DEFAULT_MAX_AGE, type ResolvedCookie, isCookieDefinition, resolveCookie } from './transport/cookie.ts';
import { type HeaderSessionDefinition, HeaderTransport, headerMaxAge } from './transport/header.ts';
import type { SessionTransport } from './transport/transport.ts';
import type { SessionSerializer } from './types.ts';

export interface CompiledSession {
  readonly name: string;
  readonly transport: SessionTransport;
  readonly chain: TransformChain;
  readonly tracker: SessionTracker;
  readonly serializer: SessionSerializer<unknown>;
  readonly expiry: ExpiryPolicy;
  /** Deadlines are checked only where the client cannot forge them: by id, or inside our own formats. */
  readonly enforcesExpiry: boolean;
  readonly allowCrossSite: boolean;
  /** Cookie sessions: the resolved attributes. */
  readonly cookie: ResolvedCookie | undefined;
  /** The lifetime options as resolved (for `describe`). */
  readonly lifetime: SessionLifetime;
}

/** Cookie sessions that cross-site state-changing requests may neither use nor write. */
export function isGuardedCookie(session: WritableSession): boolean {
  return session.cookie !== undefined && !session.allowCrossSite;
}

export interface SessionLifetime {
  /** Seconds from the last write; null: none (a browser-session cookie, or a header without maxAge). */
  maxAge: number | null;
  idleTimeout?: number;
  absoluteTimeout?: number;
  rolling: boolean;
}

export function compileSession(name: string, definition: AnySessionDefinition): CompiledSession {
  if (!definition || (definition.transport !== 'cookie' && definition.transport !== 'header')) {
    throw new SessionConfigError(`Session "${name}" must be defined with cookie<T>() or header<T>().`);
  }
  let transport: SessionTransport;
  let maxAge: number | null;
  let allowCrossSite = false;
  let cookie: ResolvedCookie | undefined;
  const options: SessionBehaviour<unknown> = definition.options ?? {};
  checkSeconds(`Session "${name}": idleTimeout`, options.idleTimeout);
  checkSeconds(`Session "${name}": absoluteTimeout`, options.absoluteTimeout);
  if (isCookieDefinition(definition)) {
    cookie = resolveCookie(name, definition.options.cookie);
    transport = new CookieTransport(cookie);
    maxAge = cookie.maxAge;
    allowCrossSite = definition.options.allowCrossSite === true;
  } else {
    const headerOptions = (definition as HeaderSessionDefinition<unknown>).options ?? {};
    transport = new HeaderTransport(headerOptions.name ?? name);
    maxAge = headerMaxAge(headerOptions);
  }

  const chain = transformChain(options.transform, transport.wireName);
  const tracker = options.storage ? byIdTracker(options.storage, name) : byValueTracker;
  // A by-id session with a browser-session cookie and no timeouts would live in storage forever:
  // give its record the default lifetime, renewed as it is used.
  const unbounded = options.storage && maxAge === null && options.idleTimeout === undefined && options.absoluteTimeout === undefined;
  const expiry = new ExpiryPolicy({
    maxAge,
    idleTimeout: unbounded ? DEFAULT_MAX_AGE : options.idleTimeout,
    absoluteTimeout: options.absoluteTimeout,
    rolling: options.rolling,
  });
  const enforcesExpiry = tracker.byId || chain.protectsExpiry;
  if (!enforcesExpiry && (options.idleTimeout !== undefined || options.absoluteTimeout !== undefined)) {
    throw new SessionConfigError(
      `Session "${name}": idleTimeout and absoluteTimeout need a place the client cannot edit. ` +
        'Add transform: encrypted({ secret }) or signed({ secret }), or keep the session on the server with `storage`.',
    );
  }
  return {
    name,
    transport,
    chain,
    tracker,
    serializer: (options.serializer as SessionSerializer<unknown> | undefined) ?? jsonSerializer<unknown>(),
    expiry,
    enforcesExpiry,
    allowCrossSite,
    cookie,
    lifetime: { maxAge, idleTimeout: options.idleTimeout, absoluteTimeout: options.absoluteTimeout, rolling: expiry.rolling },
  };
}
