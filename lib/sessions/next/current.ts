/**
 * The Next.js adapter: the only module that imports `next/*`. Sessions read
 * through `next/headers`; writes go through `cookies().set`, which Next
 * allows in Server Actions and Route Handlers, not in Server Components.
 */
import 'server-only';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { type SessionAccessor, SessionAccessorImpl } from '../accessor';
import type { RequireOptions } from '../define';
import { SessionReadOnlyError } from '../errors';
import type { SessionRuntime } from '../runtime';
import { CookieTransport } from '../transport/cookie';
import type { Outgoing, RequestSource } from '../transport/transport';

type Runtimes = ReadonlyMap<string, SessionRuntime>;

const WHERE_WRITES_WORK =
  'Session writes need a response: call set/clear in a Server Action, a Route Handler (sessions.handler) or proxy.ts (sessions.forRequest), not while rendering a Server Component.';

const perRequest = new WeakMap<Runtimes, () => Promise<SessionAccessor<unknown>>>();

/** One accessor per request during a render (React `cache`), so each session is opened once. */
export function currentSessions<Data>(runtimes: Runtimes): Promise<SessionAccessor<Data>> {
  let current = perRequest.get(runtimes);
  if (!current) {
    current = cache(() => createAccessor(runtimes));
    perRequest.set(runtimes, current);
  }
  return current() as Promise<SessionAccessor<Data>>;
}

async function createAccessor(runtimes: Runtimes): Promise<SessionAccessor<unknown>> {
  const [cookieStore, headerStore] = await Promise.all([cookies(), headers()]);
  const source: RequestSource = {
    // Next's store, not the raw header: it reflects cookies a Server Action set before a redirect
    // renders the next page. (With duplicate names Next keeps the last one; forRequest keeps the first.)
    cookie: (name) => cookieStore.get(name)?.value,
    header: (name) => headerStore.get(name) ?? undefined,
  };
  return new SessionAccessorImpl<unknown>(runtimes, {
    receive: (runtime) => runtime.transport.receive(source),
    emit(runtime: SessionRuntime, outgoing: Outgoing, explicit: boolean) {
      const { transport } = runtime;
      if (!(transport instanceof CookieTransport)) {
        if (explicit) {
          throw new SessionReadOnlyError(
            `Header session "${runtime.name}" can only be written where the response is built: use sessions.handler() or sessions.forRequest().`,
          );
        }
        return;
      }
      const a = transport.attributes;
      const clearing = outgoing.kind === 'clear';
      try {
        cookieStore.set(a.name, clearing ? '' : outgoing.value, {
          maxAge: clearing ? 0 : (outgoing.maxAge ?? undefined),
          expires: clearing ? new Date(0) : undefined,
          path: a.path,
          domain: a.domain,
          secure: a.secure,
          httpOnly: a.httpOnly,
          sameSite: a.sameSite,
          partitioned: a.partitioned,
        });
      } catch (error) {
        // Renewals and clearing of bad input are best-effort while rendering; an explicit write is a bug to report.
        if (explicit) throw new SessionReadOnlyError(WHERE_WRITES_WORK, { cause: error });
      }
    },
  });
}

export async function requireSession<Data, K extends keyof Data & string>(
  runtimes: Runtimes,
  name: K,
  options: RequireOptions<Data[K]>,
): Promise<Data[K]> {
  const session = await currentSessions<Data>(runtimes);
  const value = await session.get(name);
  if (value === undefined || (options.validate && !(await options.validate(value)))) redirect(options.redirectTo);
  return value;
}
