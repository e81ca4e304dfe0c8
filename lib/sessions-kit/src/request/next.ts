/**
 * The Next.js adapter: the only module that imports `next/*`. Its I/O reads through
 * `next/headers` and writes through `cookies().set`, which Next allows in Server Actions and
 * Route Handlers, not while rendering a Server Component.
 *
 * Response headers: Next gives Server Actions and Server Components no way to set them. Next
 * itself answers every render that reads `cookies()`/`headers()` with
 * `Cache-Control: private, no-cache, no-store, max-age=0, must-revalidate`, which is what keeps
 * such pages out of shared caches; it sets its own `Vary` on pages, so `Vary: Cookie` cannot be
 * promised there. Server Actions are POSTs, which shared caches do not store.
 */
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { cache } from 'react';
import type { CompiledSession } from '../compile.ts';
import { SessionReadOnlyError } from '../errors.ts';
import type { SessionEventListener } from '../events.ts';
import { cookieWriteOptions } from '../transport/cookie.ts';
import type { CookieWriteOptions } from '../transport/wire.ts';
import { Accessor, type SessionAccessor } from './accessor.ts';
import type { HeaderReader } from './cross-site.ts';
import { type CrossSitePolicy, RequestIO } from './io.ts';

type Compiled = ReadonlyMap<string, CompiledSession>;
type CookieStore = Awaited<ReturnType<typeof cookies>>;

export interface RequireOptions<V> {
  /** Where to send a visitor without a (valid) session. */
  redirectTo: string;
  validate?: (value: V) => boolean | Promise<boolean>;
}

const WHERE_WRITES_WORK =
  'Session writes need a response: call set/clear in a Server Action, a Route Handler (sessions.handler) or proxy.ts (sessions.forRequest), not while rendering a Server Component.';

class NextIO extends RequestIO {
  constructor(
    private readonly store: CookieStore,
    headerStore: HeaderReader,
    policy: CrossSitePolicy,
  ) {
    super(headerStore, policy);
  }

  /**
   * `headers()` does not tell the method: a request with a body (Content-Type), an action id or
   * an Origin counts as state-changing (Server Actions are POSTs); a plain navigation does not.
   */
  protected method(): string {
    const h = this.headers;
    return h.get('next-action') !== null || h.get('content-type') !== null || h.get('origin') !== null ? 'POST' : 'GET';
  }

  /** Next sets `X-Forwarded-Proto` from the connection when no proxy did; a cross-site browser request cannot set it. */
  protected url(): string | undefined {
    const proto = this.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
    const host = this.headers.get('host');
    return proto && host ? `${proto}://${host}/` : undefined;
  }

  /** A value in the store that the request did not carry was set during this request (a Server Action before its render). */
  protected sent(name: string): string[] | undefined {
    const sent = super.sent(name);
    const stored = this.store.get(name)?.value;
    return stored !== undefined && !sent?.includes(stored) ? [stored] : sent;
  }

  assertWritable(session: CompiledSession, clearing = false): boolean {
    const { cookie } = session;
    if (!cookie) {
      throw new SessionReadOnlyError(
        `Header session "${session.name}" can only be written where the response is built: use sessions.handler() or sessions.forRequest().`,
      );
    }
    if (!super.assertWritable(session, clearing)) return false;
    // Next offers no "is this writable?" query, so probe: re-send the cookie the browser already
    // holds (or a clearing one). The real write replaces it.
    const held = this.receive(session);
    try {
      this.store.set(cookie.name, held ?? '', cookieWriteOptions(cookie, held === undefined ? 0 : cookie.maxAge));
    } catch (error) {
      throw new SessionReadOnlyError(WHERE_WRITES_WORK, { cause: error });
    }
    return true;
  }

  protected setCookie(name: string, value: string, options: CookieWriteOptions): void {
    try {
      this.store.set(name, value, options);
    } catch {
      // Only renewals and the clearing of bad input get here while rendering (explicit writes were
      // probed by assertWritable): they are best-effort, and the next request tries again.
    }
  }

  protected setHeader(): void {
    // Renewals of header sessions need a response; explicit writes were refused by assertWritable.
  }
}

const perRequest = new WeakMap<Compiled, () => Promise<SessionAccessor<unknown>>>();

/** One accessor per request during a render (React `cache`), so each session is opened once. */
export function currentSessions<Data>(compiled: Compiled, policy: CrossSitePolicy, emit: SessionEventListener): Promise<SessionAccessor<Data>> {
  let current = perRequest.get(compiled);
  if (!current) {
    current = cache(async () => {
      // connection(): a session read depends on the clock and may draw random bytes, so it is
      // request-time work; without it Next's prerender flags Date.now() as an unstable value.
      const [cookieStore, headerStore] = await Promise.all([cookies(), headers(), connection()]);
      return new Accessor<unknown>(compiled, new NextIO(cookieStore, headerStore, policy), emit);
    });
    perRequest.set(compiled, current);
  }
  return current() as Promise<SessionAccessor<Data>>;
}

export async function requireSession<Data, K extends keyof Data & string>(
  compiled: Compiled,
  policy: CrossSitePolicy,
  emit: SessionEventListener,
  name: K,
  options: RequireOptions<Data[K]>,
): Promise<Data[K]> {
  const value = await (await currentSessions<Data>(compiled, policy, emit)).get(name);
  if (value === undefined || (options.validate && !(await options.validate(value)))) redirect(options.redirectTo);
  return value;
}
