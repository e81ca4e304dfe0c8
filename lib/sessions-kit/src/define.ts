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
import type { SessionAccessor } from './accessor.ts';
import type { AnySessionDefinition, SessionData } from './definition.ts';
import { SessionConfigError, SessionCrossSiteError, SessionStorageError } from './errors.ts';
import { type RequestSessions, RequestSessionsImpl } from './request-sessions.ts';
import { type SessionRuntime, compileSession } from './runtime.ts';

export type SessionHandler<Data, C> = (
  request: Request,
  context: C & { session: RequestSessions<Data> },
) => Response | Promise<Response>;

export type RouteHandler<C> = (request: Request, context: C) => Promise<Response>;

export interface ProtectOptions<V, P> {
  /** Turns the session into a principal; null/undefined refuses the request. Default: the session itself. */
  validate?: (value: V, request: Request) => P | null | undefined | Promise<P | null | undefined>;
  /** The answer when there is no valid session. Default: 401 `{ "error": "…" }`. */
  challenge?: (request: Request) => Response | Promise<Response>;
}

export interface RequireOptions<V> {
  /** Where to send a visitor without a (valid) session. */
  redirectTo: string;
  validate?: (value: V) => boolean | Promise<boolean>;
}

/** How one session travels and where its data lives, for tooling and inspectors. */
export interface SessionDescription {
  name: string;
  transport: 'cookie' | 'header';
  /** The cookie or header name on the wire. */
  wireName: string;
  /** 'value': the client holds the (protected) data; 'id': the client holds an id, the data is in storage. */
  tracking: 'value' | 'id';
}

export interface Sessions<Data> {
  /** The session names, as defined. */
  readonly names: readonly (keyof Data & string)[];
  /** How session `name` travels and where its data lives. */
  describe(name: keyof Data & string): SessionDescription;
  /** Sessions for any Web Request; finish with `applyTo(response)`. */
  forRequest(request: Request): RequestSessions<Data>;
  /**
   * Wraps a Route Handler: refuses cross-site state-changing requests that
   * carry a cookie session (403), answers 503 on a session storage fault, and
   * adds the session headers to the response the handler returns.
   */
  handler<C = unknown>(fn: SessionHandler<Data, C>): RouteHandler<C>;
  /** Like `handler`, but only runs `fn` when session `name` is present (and valid). */
  protect<K extends keyof Data & string, P = Data[K], C = unknown>(
    name: K,
    options: ProtectOptions<Data[K], P>,
    fn: (request: Request, context: C & { session: RequestSessions<Data>; principal: P }) => Response | Promise<Response>,
  ): RouteHandler<C>;
  /** Server Actions and Server Components (Next.js): sessions through `next/headers`. */
  current(): Promise<SessionAccessor<Data>>;
  /** Server Components and pages: the session's data, or a redirect to `redirectTo`. */
  require<K extends keyof Data & string>(name: K, options: RequireOptions<Data[K]>): Promise<Data[K]>;
}

/** The data map of a `defineSessions` result: `InferSessionData<typeof sessions>`. */
export type InferSessionData<S> = S extends Sessions<infer Data> ? Data : never;

export function defineSessions<Defs extends Record<string, AnySessionDefinition>>(
  definitions: Defs,
): Sessions<SessionData<Defs>> {
  type Data = SessionData<Defs>;
  if (typeof definitions !== 'object' || definitions === null) {
    throw new SessionConfigError('defineSessions() takes an object: { sessionName: cookie<T>() | header<T>() }.');
  }
  const runtimes = new Map<string, SessionRuntime>();
  const wireNames = new Map<string, string>();
  for (const [name, definition] of Object.entries(definitions)) {
    const runtime = compileSession(name, definition);
    // Keys are salted with the wire name: a cookie and a header of the same name would share one.
    const wireKey = runtime.transport.wireName.toLowerCase();
    const other = wireNames.get(wireKey);
    if (other !== undefined) {
      throw new SessionConfigError(
        `Sessions "${other}" and "${name}" both use the wire name "${runtime.transport.wireName}": give one a different cookie.name or header name.`,
      );
    }
    wireNames.set(wireKey, name);
    runtimes.set(name, runtime);
  }

  const crossSiteRefusal = () => Response.json({ error: 'Cross-site request refused.' }, { status: 403 });

  const run = async <C>(request: Request, context: C, fn: SessionHandler<Data, C>): Promise<Response> => {
    const session = new RequestSessionsImpl<Data>(runtimes, request);
    if (session.refusesRequest()) return crossSiteRefusal();
    let response: Response;
    try {
      response = await fn(request, { ...(context as C & object), session } as C & { session: RequestSessions<Data> });
    } catch (error) {
      if (error instanceof SessionCrossSiteError) return crossSiteRefusal();
      // A store outage is not "logged out": answer 503 and leave the client's cookie alone.
      if (error instanceof SessionStorageError) {
        return Response.json(
          { error: 'Session storage is unavailable. Try again shortly.' },
          { status: 503, headers: { 'Retry-After': '5', 'Cache-Control': 'no-store' } },
        );
      }
      throw error;
    }
    return session.applyTo(response);
  };

  return {
    names: [...runtimes.keys()] as (keyof Data & string)[],

    describe(name) {
      const runtime = runtimes.get(name);
      if (!runtime) throw new SessionConfigError(`Unknown session ${JSON.stringify(name)}.`);
      return {
        name,
        transport: runtime.transport.kind,
        wireName: runtime.transport.wireName,
        tracking: runtime.tracker.byId ? 'id' : 'value',
      };
    },

    forRequest: (request) => new RequestSessionsImpl<Data>(runtimes, request),

    handler: (fn) => (request, context) => run(request, context, fn),

    protect: (name, options, fn) => (request, context) =>
      run(request, context, async (req, ctx) => {
        const value = await ctx.session.get(name);
        const principal =
          value === undefined ? undefined : options.validate ? await options.validate(value, req) : (value as unknown);
        if (principal === undefined || principal === null) {
          return options.challenge
            ? options.challenge(req)
            : Response.json({ error: 'Authentication required.' }, { status: 401 });
        }
        return fn(req, { ...ctx, principal: principal as never });
      }),

    async current() {
      const { currentSessions } = await import('./next/current.ts');
      return currentSessions<Data>(runtimes);
    },

    async require(name, options) {
      const { requireSession } = await import('./next/current.ts');
      return requireSession<Data, typeof name>(runtimes, name, options);
    },
  };
}
