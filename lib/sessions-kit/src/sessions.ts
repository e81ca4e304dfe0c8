/**
 * `defineSessions({ name: cookie<T>(), … })`: the one place sessions are
 * declared. Names are the object keys; every stage is checked here, at boot,
 * and the data types flow to every `get`/`set`.
 *
 * @example
 * export const sessions = defineSessions({
 *   user_session: cookie<User>({ transform: encrypted({ secret: process.env.SESSION_SECRET }) }),
 * });
 * export const GET = sessions.handler(async (request, { session }) =>
 *   Response.json(await session.get('user_session')));
 */
import { type CompiledSession, type SessionLifetime, compileSession } from './compile.ts';
import { SessionConfigError, SessionConflictError, SessionCrossSiteError, SessionStorageError, SessionUnsupportedError } from './errors.ts';
import { type SessionEventListener, eventOf, listenerFor } from './events.ts';
import { Accessor, type SessionAccessor, type SessionInfo } from './request/accessor.ts';
import { listOwned } from './request/slot.ts';
import type { CrossSitePolicy } from './request/io.ts';
import type { RequireOptions } from './request/next.ts';
import { WebIO } from './request/web.ts';
import { isProduction } from './internal/platform.ts';
import type { ResolvedCookie } from './transport/cookie.ts';
import type { AnySessionDefinition, SessionData } from './types.ts';

export type SessionHandler<Data, C> = (
  request: Request,
  context: C & { session: SessionAccessor<Data> },
) => Response | Promise<Response>;

export type RouteHandler<C> = (request: Request, context: C) => Promise<Response>;

export interface ProtectOptions<V, P> {
  /** Turns the session into a principal; null/undefined refuses the request. Default: the session itself. */
  validate?: (value: V, request: Request) => P | null | undefined | Promise<P | null | undefined>;
  /**
   * The answer when there is no valid session. Default: 401 `{ "error": "…" }`.
   * A path (or URL) is answered with a redirect there, like Ktor's `challenge("/login")`:
   * 307 for GET and HEAD (the browser repeats the same request there), 303 for other methods
   * (the browser follows with a GET, so a form is not posted to the login page).
   */
  challenge?: string | ((request: Request) => Response | Promise<Response>);
}

/** Options for `defineSessions`, beside the session definitions. */
export interface DefineSessionsOptions {
  /**
   * Believe `X-Forwarded-Proto` and `X-Forwarded-Host` when checking `Origin` against the
   * request's own origin (the fallback for browsers that send no `Sec-Fetch-Site`). Default false:
   * any client can set those headers. Set it only behind a proxy that overwrites them, e.g. one
   * that ends TLS and forwards plain HTTP, where the request URL would say `http:`.
   */
  trustProxy?: boolean;
  /**
   * Told about storage errors (with the session name and operation), conflicts, too-large values,
   * cross-site refusals and revocations; never an id or a value. Without it, storage errors are
   * logged with `console.error`, one line per outage.
   */
  onEvent?: SessionEventListener;
}

/** How one session travels and where its data lives, for tooling and inspectors. */
export interface SessionDescription {
  name: string;
  transport: 'cookie' | 'header';
  /** The cookie or header name on the wire. */
  wireName: string;
  /** 'value': the client holds the (protected) data; 'id': the client holds an id, the data is in storage. */
  tracking: 'value' | 'id';
  /** How long it lives; deadlines are enforced on the server where the client cannot edit them. */
  lifetime: SessionLifetime;
  /** Cookie sessions: the resolved Set-Cookie attributes of a live cookie. */
  cookie?: Omit<ResolvedCookie, 'name'>;
}

export interface Sessions<Data> {
  /** The session names, as defined. */
  readonly names: readonly (keyof Data & string)[];
  /** How session `name` travels and where its data lives. */
  describe(name: keyof Data & string): SessionDescription;
  /** Sessions for any Web Request; finish with `applyTo(response)`. */
  forRequest(request: Request): SessionAccessor<Data>;
  /**
   * Wraps a Route Handler: refuses cross-site state-changing requests that
   * carry a cookie session (403), answers 503 on a session storage fault and
   * 409 on a `SessionConflictError`, and adds the session headers to the
   * response the handler returns (see `SessionAccessor.applyTo`).
   */
  handler<C = unknown>(fn: SessionHandler<Data, C>): RouteHandler<C>;
  /** Like `handler`, but only runs `fn` when session `name` is present (and valid). */
  protect<K extends keyof Data & string, P = Data[K], C = unknown>(
    name: K,
    options: ProtectOptions<Data[K], P>,
    fn: (request: Request, context: C & { session: SessionAccessor<Data>; principal: P }) => Response | Promise<Response>,
  ): RouteHandler<C>;
  /**
   * The sessions of one owner (a user id), from anywhere: an admin page, a password change, a job.
   * By id: `list()`, `revoke(handle)` and `revokeAll()` ("sign out everywhere"), which resolves to
   * how many ended. By value (with `revocations`): only `revokeAll()`, after which every value of
   * that owner created until now reads as no session (it resolves to 0: nobody counts them).
   */
  forOwner<K extends keyof Data & string>(name: K, owner: string): OwnerSessions<Data[K]>;
  /** Server Actions and Server Components (Next.js): sessions through `next/headers`. */
  current(): Promise<SessionAccessor<Data>>;
  /** Server Components and pages: the session's data, or a redirect to `redirectTo`. */
  require<K extends keyof Data & string>(name: K, options: RequireOptions<Data[K]>): Promise<Data[K]>;
}

/** What `sessions.forOwner(name, owner)` returns. Once a revocation returns, the ended sessions are dead for every request. */
export interface OwnerSessions<T> {
  list(): Promise<SessionInfo<T>[]>;
  /** False when `handle` names no live session of this owner. */
  revoke(handle: string): Promise<boolean>;
  revokeAll(): Promise<number>;
}

/** The data map of a `defineSessions` result: `InferSessionData<typeof sessions>`. */
export type InferSessionData<S> = S extends Sessions<infer Data> ? Data : never;

export function defineSessions<Defs extends Record<string, AnySessionDefinition>>(
  definitions: Defs,
  options: DefineSessionsOptions = {},
): Sessions<SessionData<Defs>> {
  type Data = SessionData<Defs>;
  if (typeof definitions !== 'object' || definitions === null) {
    throw new SessionConfigError('defineSessions() takes an object: { sessionName: cookie<T>() | header<T>() }.');
  }
  const compiled = new Map<string, CompiledSession>();
  const wireNames = new Map<string, string>();
  for (const [name, definition] of Object.entries(definitions)) {
    const session = compileSession(name, definition);
    // Keys are salted with the wire name: a cookie and a header of the same name would share one.
    const wireKey = session.wireName.toLowerCase();
    const other = wireNames.get(wireKey);
    if (other !== undefined) {
      throw new SessionConfigError(
        `Sessions "${other}" and "${name}" both use the wire name "${session.wireName}": give one a different cookie.name or header name.`,
      );
    }
    wireNames.set(wireKey, name);
    compiled.set(name, session);
  }
  const crossSite: CrossSitePolicy = {
    guarded: new Set([...compiled.values()].filter((s) => s.guarded).map((s) => s.wireName)),
    trustProxy: options.trustProxy === true,
  };
  const emit = listenerFor(options.onEvent);
  const forRequest = (request: Request) => new Accessor<Data>(compiled, new WebIO(request, crossSite), emit);

  const crossSiteRefusal = () =>
    Response.json({ error: 'Cross-site request refused.' }, { status: 403, headers: { 'Cache-Control': 'no-store' } });

  const run = async <C>(request: Request, context: C, fn: SessionHandler<Data, C>): Promise<Response> => {
    const session = forRequest(request);
    if (session.io.refusesRequest()) {
      emit({ type: 'cross-site' });
      return crossSiteRefusal();
    }
    let response: Response;
    try {
      response = await fn(request, { ...(context as C & object), session } as C & { session: SessionAccessor<Data> });
    } catch (error) {
      if (error instanceof SessionCrossSiteError) return crossSiteRefusal();
      // A store outage is not "logged out": answer 503 and leave the client's cookie alone.
      if (error instanceof SessionStorageError) {
        return Response.json(
          { error: 'Session storage is unavailable. Try again shortly.' },
          { status: 503, headers: { 'Retry-After': '5', 'Cache-Control': 'no-store' } },
        );
      }
      // Another request changed or ended the session meanwhile: the client may retry.
      if (error instanceof SessionConflictError) {
        return Response.json(
          { error: 'The session changed meanwhile. Try again.' },
          { status: 409, headers: { 'Cache-Control': 'no-store' } },
        );
      }
      // In development a misconfiguration (no secret, no store url) answers with its message,
      // not a bare 500; in production Next answers as for any other error.
      if (error instanceof SessionConfigError && !isProduction()) {
        console.error(error);
        return Response.json({ error: error.message }, { status: 500, headers: { 'Cache-Control': 'no-store' } });
      }
      throw error;
    }
    return session.applyTo(response);
  };

  return {
    names: [...compiled.keys()] as (keyof Data & string)[],

    describe(name) {
      const session = compiled.get(name);
      if (!session) throw new SessionConfigError(`Unknown session ${JSON.stringify(name)}.`);
      const description: SessionDescription = {
        name,
        transport: session.cookie ? 'cookie' : 'header',
        wireName: session.wireName,
        tracking: session.tracker ? 'id' : 'value',
        lifetime: { ...session.lifetime },
      };
      if (session.cookie) {
        const { name: _wireName, ...attributes } = session.cookie;
        description.cookie = attributes;
      }
      return description;
    },

    forRequest,

    handler: (fn) => (request, context) => run(request, context, fn),

    protect: (name, protectOptions, fn) => {
      const challenge = challengeFor(protectOptions.challenge);
      return (request, context) =>
        run(request, context, async (req, ctx) => {
          const value = await ctx.session.get(name);
          const principal =
            value === undefined ? undefined : protectOptions.validate ? await protectOptions.validate(value, req) : (value as unknown);
          if (principal === undefined || principal === null) return challenge(req);
          return fn(req, { ...ctx, principal: principal as never });
        });
    },

    forOwner(name, owner) {
      const session = compiled.get(name);
      if (!session?.owner) {
        throw new SessionConfigError(`forOwner(): session ${JSON.stringify(name)} ${session ? 'has no owner: add owner: (data) => data.userId to its definition' : 'is not defined'}.`);
      }
      const { tracker, revocations } = session;
      const byId = (method: string) => {
        if (!tracker) throw new SessionUnsupportedError(`${method}() needs a session kept by id; "${name}" is kept by value, where only revokeAll() works.`);
        return tracker;
      };
      return {
        list: async () => (await listOwned(session, byId('list'), owner, undefined)) as SessionInfo<never>[],
        revoke: async (handle) => (await byId('revoke').revoke(owner, String(handle))) > 0,
        async revokeAll() {
          try {
            let count = 0;
            if (tracker) count = await tracker.revoke(owner, undefined);
            else await revocations?.revokeAll(owner);
            emit({ type: 'revoked', session: name, scope: 'all', count });
            return count;
          } catch (error) {
            const event = eventOf(name, error);
            if (event) emit(event);
            throw error;
          }
        },
      };
    },

    async current() {
      const { currentSessions } = await import('./request/next.ts');
      return currentSessions<Data>(compiled, crossSite, emit);
    },

    async require(name, requireOptions) {
      const { requireSession } = await import('./request/next.ts');
      return requireSession<Data, typeof name>(compiled, crossSite, emit, name, requireOptions);
    },
  };
}

/** The answer `protect` gives without a valid session; a path is checked here, when the route is defined. */
function challengeFor(
  challenge: ProtectOptions<unknown, unknown>['challenge'],
): (request: Request) => Response | Promise<Response> {
  if (typeof challenge === 'function') return challenge;
  if (challenge === undefined) return () => Response.json({ error: 'Authentication required.' }, { status: 401 });
  if (typeof challenge !== 'string' || !URL.canParse(challenge, 'http://localhost/')) {
    throw new SessionConfigError(`protect(): challenge must be a path, a URL or a function, not ${JSON.stringify(challenge)}.`);
  }
  return (request) => {
    const method = request.method.toUpperCase();
    const status = method === 'GET' || method === 'HEAD' ? 307 : 303;
    return Response.redirect(new URL(challenge, request.url), status);
  };
}
