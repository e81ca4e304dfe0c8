/** The demo app's sessions: one definition, imported by every route and page. */
// No `server-only` guard: the e2e tests import the demo's definitions to mint sessions with them
// (sessions-kit/testing); its node: imports keep it out of any client bundle regardless.
import { cookie, defineSessions, encrypted, header, jsonSerializer, signed } from 'sessions-kit';
import { ktorKeySets, ktorLayered } from './ktor-keys';
import {
  AuthSessionSchema,
  CartSchema,
  KtorSessionSchema,
  PrefsSchema,
  UserSessionSchema,
} from './schemas';
import { sessionSecrets } from './secret';
import { demoStorages } from './storage';

import type { AuthSession, Cart, KtorSession, Prefs, UserSession } from './schemas';

export type { AuthSession, Cart, KtorSession, Prefs, Theme, UserSession } from './schemas';

// The function itself, not its result: the library asks for the secret when a session is first
// used, so `next build` (which imports this module but uses no session) needs none.
const secret = sessionSecrets;
const { accounts, anonymous } = demoStorages();

/**
 * The cookie's name on the wire. In production `__Host-<name>`: the browser then accepts the cookie
 * only from this exact host, over HTTPS, with Path=/ and no Domain, so a sibling subdomain cannot
 * plant or shadow it (cookie tossing). Development keeps the plain name: `__Host-` needs Secure.
 */
export function wireName(name: string): string | undefined {
  return process.env.NODE_ENV === 'production' ? `__Host-${name}` : undefined;
}

export const sessions = defineSessions({
  // By value: the whole payload lives in an encrypted cookie (JWE).
  user_session: cookie<UserSession>({
    serializer: jsonSerializer({ schema: UserSessionSchema }),
    transform: encrypted({ secret }),
    cookie: { name: wireName('user_session'), maxAge: 7 * 24 * 3600, sameSite: 'lax' },
  }),
  // By id: the cookie carries only an id; the basket lives in server storage (the anonymous store).
  basket: cookie<Cart>({
    serializer: jsonSerializer({ schema: CartSchema }),
    storage: anonymous,
    cookie: { name: wireName('basket') },
  }),
  // A header session for API clients, by id, with a signed id.
  cart_session: header<Cart>({
    name: 'X-Cart-Session',
    serializer: jsonSerializer({ schema: CartSchema }),
    storage: anonymous,
    transform: signed({ secret }),
  }),
  // Login: by id in its own store, ended after 30 idle minutes or 8 hours, whichever comes first.
  // Its owner is the user, so the account page can list the user's devices and sign them out.
  auth: cookie<AuthSession>({
    serializer: jsonSerializer({ schema: AuthSessionSchema }),
    storage: accounts,
    owner: (s) => s.user,
    idleTimeout: 30 * 60,
    absoluteTimeout: 8 * 3600,
    cookie: { name: wireName('auth'), sameSite: 'lax' },
  }),
  // Preferences: signed (readable, tamper-evident), long-lived, set from a Server Action.
  prefs: cookie<Prefs>({
    serializer: jsonSerializer({ schema: PrefsSchema }),
    transform: signed({ secret }),
    cookie: { name: wireName('prefs'), maxAge: 400 * 24 * 3600, sameSite: 'lax' },
  }),
  // Ktor's own formats, encrypted then signed: a Ktor service with the same keys reads and writes this cookie.
  ktor_session: cookie<KtorSession>({
    serializer: jsonSerializer({ schema: KtorSessionSchema }),
    transform: ktorLayered(() => ktorKeySets(sessionSecrets())),
    cookie: { name: wireName('ktor_session') },
  }),
});
