/**
 * `mintSession`: a live session for tests, made by the app's own `sessions` exactly as a request
 * would make it: by value the JWE/JWS the app would set, by id a record created in the app's own
 * storage (so the server accepts it). Tests of signed-in pages then need no trip through a login
 * form. Never import this from app code: it writes sessions for whoever calls it.
 *
 * @example
 * // e2e/account.spec.ts (Playwright)
 * import { mintSession } from 'sessions-kit/testing';
 * import { sessions } from '@/lib/sessions';
 * test.beforeEach(async ({ context, baseURL }) => {
 *   const minted = await mintSession(sessions, 'auth', { userId: 'ada' }, { url: baseURL });
 *   await context.addCookies(minted.cookies);
 * });
 */
import type { Sessions } from '../sessions.ts';

export interface MintOptions {
  /** The app's URL (e.g. Playwright's `baseURL`): the cookie's domain, and http/https. Default `http://localhost/`. */
  url?: string;
}

/** A cookie as Playwright's `context.addCookies` and `storageState` take it. */
export interface PlaywrightCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  /** Seconds since the epoch; -1 for a browser-session cookie. */
  expires: number;
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'Lax' | 'Strict' | 'None';
}

export interface MintedSession {
  /** The cookie or header name on the wire. */
  name: string;
  /** The value the client holds (encoded as on the wire). */
  value: string;
  /** Cookie sessions: `name=value`, for a `Cookie` request header. */
  cookieHeader?: string;
  /** Cookie sessions: the `Set-Cookie` line the app would send. */
  setCookie?: string;
  /** Cookie sessions: for Playwright's `context.addCookies(…)` or a `storageState` file. */
  cookies: PlaywrightCookie[];
  /** Header sessions: `[name, value]`, for request headers or `createSessionFetch`'s store. */
  header?: [string, string];
}

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' } as const;

/** Creates session `name` holding `data`, as the app would on a request to `options.url`. */
export async function mintSession<Data, K extends keyof Data & string>(
  sessions: Sessions<Data>,
  name: K,
  data: Data[K],
  options: MintOptions = {},
): Promise<MintedSession> {
  const url = new URL(options.url ?? 'http://localhost/');
  const session = sessions.forRequest(new Request(url));
  await session.set(name, data);
  const response = session.applyTo(new Response(null));
  const description = sessions.describe(name);
  const wire = description.wireName;
  if (description.transport === 'header') {
    const value = response.headers.get(wire) ?? '';
    return { name: wire, value, cookies: [], header: [wire, value] };
  }
  const setCookie = response.headers.getSetCookie().find((line) => line.startsWith(`${wire}=`)) ?? '';
  const value = setCookie.slice(wire.length + 1).split(';')[0] ?? '';
  const cookie = description.cookie;
  const maxAge = /; Max-Age=(\d+)/.exec(setCookie)?.[1];
  return {
    name: wire,
    value,
    cookieHeader: `${wire}=${value}`,
    setCookie,
    cookies: [
      {
        name: wire,
        value,
        domain: cookie?.domain ?? url.hostname,
        path: cookie?.path ?? '/',
        expires: maxAge === undefined ? -1 : Math.floor(Date.now() / 1000) + Number(maxAge),
        httpOnly: cookie?.httpOnly ?? true,
        secure: cookie?.secure ?? false,
        sameSite: SAME_SITE[cookie?.sameSite ?? 'lax'],
      },
    ],
  };
}
