/**
 * The Next.js adapter: the only module that imports `next/*`. Its SessionIO
 * reads through `next/headers` and writes through `cookies().set`, which Next
 * allows in Server Actions and Route Handlers, not while rendering a Server
 * Component.
 *
 * Response headers: Next gives Server Actions and Server Components no way to
 * set them, so `Cache-Control` and `Vary` are not added here. Next itself
 * marks every render that reads `cookies()`/`headers()` dynamic and answers
 * it `Cache-Control: private, no-cache, no-store, max-age=0, must-revalidate`;
 * Server Actions are POSTs, which shared caches do not store. To add
 * `Vary: Cookie` to pages as well, read the session in `proxy.ts` through
 * `sessions.forRequest(request)` and return `session.applyTo(response)`.
 */
import { cookies, headers } from 'next/headers';
import { connection } from 'next/server';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import type { CompiledSession } from '../compile-session.ts';
import { type CrossSitePolicy, type HeaderReader, isCrossSite } from '../cross-site.ts';
import { SessionCrossSiteError, SessionReadOnlyError } from '../errors.ts';
import { type SessionAccessor, SessionAccessorImpl } from '../session-accessor.ts';
import type { CookieWriteOptions, SessionIO, WritableSession } from '../session-io.ts';
import { cookieWriteOptions } from '../transport/cookie.ts';
import { parseCookieHeader, singleValue } from '../transport/cookie-wire.ts';

type Compiled = ReadonlyMap<string, CompiledSession>;

export interface RequireOptions<V> {
  /** Where to send a visitor without a (valid) session. */
  redirectTo: string;
  validate?: (value: V) => boolean | Promise<boolean>;
}

const WHERE_WRITES_WORK =
  'Session writes need a response: call set/clear in a Server Action, a Route Handler (sessions.handler) or proxy.ts (sessions.forRequest), not while rendering a Server Component.';

type CookieStore = Awaited<ReturnType<typeof cookies>>;

/** SessionIO over Next's request stores. */
class NextIO implements SessionIO {
  private jar: Map<string, string[]> | undefined;
  private crossSite: boolean | undefined;

  constructor(
    private readonly cookieStore: CookieStore,
    private readonly headerStore: HeaderReader,
    private readonly policy: CrossSitePolicy,
  ) {}

  cookie(name: string): string | undefined {
    // A cross-site Server Action does not get to use a guarded cookie, as in forRequest.
    if (this.policy.guarded.has(name) && this.isCrossSite()) return undefined;
    this.jar ??= parseCookieHeader(this.headerStore.get('cookie') ?? '');
    const sent = this.jar.get(name);
    // A store value the request did not carry was set during this request (a Server Action
    // before the render that follows it); anything else is read from the header, where
    // duplicates can be seen (Next's store keeps only one of them).
    const stored = this.cookieStore.get(name)?.value;
    if (stored !== undefined && !sent?.includes(stored)) return stored;
    return singleValue(sent);
  }

  header(name: string): string | undefined {
    return this.headerStore.get(name) ?? undefined;
  }

  assertWritable(session: WritableSession): void {
    const { cookie } = session;
    if (!cookie) {
      throw new SessionReadOnlyError(
        `Header session "${session.name}" can only be written where the response is built: use sessions.handler() or sessions.forRequest().`,
      );
    }
    // The refusal handler() gives, before storage is touched.
    if (!session.allowCrossSite && this.isCrossSite()) throw new SessionCrossSiteError(session.name);
    // Next offers no "is this writable?" query, so probe: re-send the cookie the browser already
    // holds (or a clearing one). The real write replaces it.
    const held = this.cookie(cookie.name);
    try {
      this.cookieStore.set(cookie.name, held ?? '', cookieWriteOptions(cookie, held === undefined ? 0 : cookie.maxAge));
    } catch (error) {
      throw new SessionReadOnlyError(WHERE_WRITES_WORK, { cause: error });
    }
  }

  setCookie(name: string, value: string, options: CookieWriteOptions): void {
    try {
      this.cookieStore.set(name, value, options);
    } catch {
      // Only renewals and the clearing of bad input get here while rendering (explicit writes were
      // probed by assertWritable): they are best-effort, and the next request tries again.
    }
  }

  setHeader(): void {
    // Renewals of header sessions need a response; explicit writes were refused by assertWritable.
  }

  /**
   * Server Actions are POSTs, but `headers()` does not tell the method: a request with a body
   * (Content-Type), an action id or an Origin counts as state-changing; a plain navigation not.
   */
  private isCrossSite(): boolean {
    const h = this.headerStore;
    const stateChanging = h.get('next-action') !== null || h.get('content-type') !== null || h.get('origin') !== null;
    this.crossSite ??= isCrossSite(stateChanging ? 'POST' : 'GET', h, undefined, this.policy);
    return this.crossSite;
  }
}

const perRequest = new WeakMap<Compiled, () => Promise<SessionAccessor<unknown>>>();

/** One accessor per request during a render (React `cache`), so each session is opened once. */
export function currentSessions<Data>(compiled: Compiled, policy: CrossSitePolicy): Promise<SessionAccessor<Data>> {
  let current = perRequest.get(compiled);
  if (!current) {
    current = cache(async () => {
      // connection(): a session read depends on the clock (deadlines) and may draw random bytes
      // (renewals), so it is request-time work; without it Next's runtime prerender stage, where
      // cookies() already resolves, flags Date.now() as an unstable value.
      const [cookieStore, headerStore] = await Promise.all([cookies(), headers(), connection()]);
      return new SessionAccessorImpl<unknown>(compiled, new NextIO(cookieStore, headerStore, policy));
    });
    perRequest.set(compiled, current);
  }
  return current() as Promise<SessionAccessor<Data>>;
}

export async function requireSession<Data, K extends keyof Data & string>(
  compiled: Compiled,
  policy: CrossSitePolicy,
  name: K,
  requireOptions: RequireOptions<Data[K]>,
): Promise<Data[K]> {
  const session = await currentSessions<Data>(compiled, policy);
  const value = await session.get(name);
  if (value === undefined || (requireOptions.validate && !(await requireOptions.validate(value)))) {
    redirect(requireOptions.redirectTo);
  }
  return value;
}
