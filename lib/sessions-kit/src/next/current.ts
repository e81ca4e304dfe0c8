/**
 * The Next.js adapter: the only module that imports `next/*`. Sessions read
 * through `next/headers`; writes go through `cookies().set`, which Next
 * allows in Server Actions and Route Handlers, not in Server Components.
 */
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { type SessionAccessor, SessionAccessorImpl } from '../accessor.ts';
import type { RequireOptions } from '../define.ts';
import { SessionReadOnlyError } from '../errors.ts';
import type { SessionRuntime } from '../runtime.ts';
import { CookieTransport } from '../transport/cookie.ts';
import type { Outgoing, RequestSource } from '../transport/transport.ts';

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
    cookie(name) {
      const sent = cookieValues(headerStore.get('cookie') ?? '', name);
      // Next's store keeps the last of duplicate names; we keep the first, as forRequest does. A store
      // value the request did not carry was set during this request (a Server Action before its redirect).
      const stored = cookieStore.get(name)?.value;
      return stored !== undefined && !sent.includes(stored) ? stored : sent[0];
    },
    header: (name) => headerStore.get(name) ?? undefined,
  };
  const write = (transport: CookieTransport, value: string, maxAge: number | null) =>
    cookieStore.set(transport.wireName, value, transport.options(maxAge));

  return new SessionAccessorImpl<unknown>(runtimes, {
    receive: (runtime) => runtime.transport.receive(source),

    assertWritable(runtime) {
      const { transport } = runtime;
      if (!(transport instanceof CookieTransport)) {
        throw new SessionReadOnlyError(
          `Header session "${runtime.name}" can only be written where the response is built: use sessions.handler() or sessions.forRequest().`,
        );
      }
      // Next offers no "is this writable?" query, so probe before storage is touched: re-send the
      // cookie the browser already holds (or a clearing one). The real write replaces it.
      const held = source.cookie(transport.wireName);
      try {
        write(transport, held ?? '', held === undefined ? 0 : transport.attributes.maxAge);
      } catch (error) {
        throw new SessionReadOnlyError(WHERE_WRITES_WORK, { cause: error });
      }
    },

    emit(runtime: SessionRuntime, outgoing: Outgoing, explicit: boolean) {
      const { transport } = runtime;
      if (!(transport instanceof CookieTransport)) return; // renewals of header sessions need a response
      try {
        if (outgoing.kind === 'clear') write(transport, '', 0);
        else write(transport, outgoing.value, outgoing.maxAge);
      } catch (error) {
        // Renewals and clearing of bad input are best-effort while rendering; explicit writes were probed.
        if (explicit) throw new SessionReadOnlyError(WHERE_WRITES_WORK, { cause: error });
      }
    },
  });
}

/** Every value sent under `name`, in order, decoded once (as `cookie.parse` and Next do). */
function cookieValues(header: string, name: string): string[] {
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const raw = pair.slice(eq + 1).trim();
    try {
      values.push(decodeURIComponent(raw));
    } catch {
      values.push(raw);
    }
  }
  return values;
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
